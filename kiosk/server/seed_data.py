"""The demo hospital's tables: departments, doctors' titles, names, prices, places, patients.

Plain rows, no logic: :mod:`kiosk.server.seed` draws the doctors, sessions, patients,
appointments and bills of the demo hospital from them and writes everything into the database.
The order of every table matters: the builder's random draws walk them in order, so reordering
a table changes the seeded database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

from kiosk.api.models import ClinicLevel, IdentifierKind
from kiosk.identity import resident_id_check_character

DEMO_PHONE = "13800138000"  # also identifies the "one_in_window" patient


def complete_resident_id(first17: str) -> str:
    """A resident id from its first 17 characters, with its check character appended."""
    return first17 + resident_id_check_character(first17)


# --- fixed patients -----------------------------------------------------------------------


@dataclass(frozen=True)
class FixedPatient:
    """A demo patient with a scenario of their own, and the identifier the demo cards use."""

    scenario: str
    patient_id: str
    name: str
    gender: str
    id_number: str
    phone: str
    insurance_card: str
    patient_card: str
    health_qr: str
    kind: IdentifierKind
    description_en: str

    @property
    def value(self) -> str:
        return {
            IdentifierKind.id_card: self.id_number,
            IdentifierKind.insurance_card: self.insurance_card,
            IdentifierKind.patient_card: self.patient_card,
            IdentifierKind.health_qr: self.health_qr,
            IdentifierKind.phone: self.phone,
        }[self.kind]


FIXED_PATIENTS: tuple[FixedPatient, ...] = (
    FixedPatient(
        "one_in_window", "pat-0001", "王秀英", "female", "11010519491231002X", DEMO_PHONE,
        "SI11010500000001", "HC10000001", "EHC:demo-0001-7f3a9c", IdentifierKind.id_card,
        "Exactly one appointment today (Internal Medicine, in about 20 minutes), inside its "
        f"check-in window; also found by phone {DEMO_PHONE}.",
    ),
    FixedPatient(
        "two_today", "pat-0002", "李建华", "male", "110101199003074258", "13911112222",
        "SI11010100000002", "HC10000002", "EHC:demo-0002-2b8e41", IdentifierKind.id_card,
        "Two appointments today (Cardiology and Ophthalmology), both inside their windows; "
        "one in three days (Orthopedics) and a cancelled one tomorrow (Dermatology).",
    ),
    FixedPatient(
        "too_early", "pat-0003", "张伟", "male", complete_resident_id("31010419780515003"),
        "13622223333", "SI31010400000003", "HC10000003", "EHC:demo-0003-c4d210",
        IdentifierKind.insurance_card,
        "One appointment today in about 3 hours: check-in is not open yet (too_early); "
        "an unpaid X-ray bill to pay meanwhile.",
    ),
    FixedPatient(
        "too_late", "pat-0004", "刘芳", "female", complete_resident_id("44010619850220004"),
        "13733334444", "SI44010600000004", "HC10000004", "EHC:demo-0004-91fe07",
        IdentifierKind.patient_card,
        "One appointment today 2 hours ago: check-in has closed (too_late).",
    ),
    FixedPatient(
        "cancelled", "pat-0005", "陈静", "female", complete_resident_id("51010719920808006"),
        "15044445555", "SI51010700000005", "HC10000005", "EHC:demo-0005-5a6b7c",
        IdentifierKind.health_qr,
        "One appointment today that was cancelled (cancelled).",
    ),
    FixedPatient(
        "already_checked_in", "pat-0006", "赵强", "male", complete_resident_id("32010219601111007"),
        "15155556666", "SI32010200000006", "HC10000006", "EHC:demo-0006-de11f0",
        IdentifierKind.phone,
        "Checked in today already (General Surgery): check-in answers 409 with the same ticket.",
    ),
    FixedPatient(
        "rare_name", "pat-0007", "𠮷祥", "male", complete_resident_id("33010619881001009"),
        "18666667777", "SI33010600000007", "HC10000007", "EHC:demo-0007-0a0b0c",
        IdentifierKind.id_card,
        "Name with 𠮷 (outside the BMP, not in GB2312); one appointment today inside its window.",
    ),
    FixedPatient(
        "middle_dot", "pat-0008", "买买提·艾力", "male", complete_resident_id("65010219750303001"),
        "19977778888", "SI65010200000008", "HC10000008", "EHC:demo-0008-88aa99",
        IdentifierKind.id_card,
        "Uyghur name with a middle dot; one appointment today inside its window.",
    ),
    FixedPatient(
        "no_appointment_today", "pat-0009", "龘龙", "male",
        complete_resident_id("21010219550606001"), "17788889999", "SI21010200000009",
        "HC10000009", "EHC:demo-0009-123abc", IdentifierKind.patient_card,
        "Rare name 龘; no appointment today, one tomorrow morning.",
    ),
    FixedPatient(
        "unpaid_bills", "pat-0200", "周美玲", "female", complete_resident_id("42011119680412024"),
        "16612345678", "SI42011100000010", "HC10000010", "EHC:demo-0010-b1115a",
        IdentifierKind.insurance_card,
        "Two unpaid bills, both with an insurance share: a prescription (paying it gives a "
        "pharmacy ticket) and a lab bill; no appointment today.",
    ),
)  # fmt: skip


# --- departments and doctors --------------------------------------------------------------


class Department(NamedTuple):
    code: str
    name: str
    name_en: str
    building: str
    building_en: str
    floor: str
    room: str
    directions: str
    directions_en: str
    description: str
    description_en: str
    minutes_per_patient: int
    # One line each: what a department treats, for a patient choosing where to register.
    hint: str
    hint_en: str
    doctors: int = 2  # 30 in all, and the general clinic's two below


DEPARTMENTS: tuple[Department, ...] = (
    Department("A", "内科", "Internal Medicine", "门诊楼", "Outpatient Building", "2", "201",
     "乘电梯到2楼，出电梯右转，第一个候诊区。",
     "Take the lift to floor 2, turn right; the first waiting area.",
     "常见内科疾病的诊断与治疗：发热、咳嗽、腹痛、高血压、糖尿病等。",
     "Diagnosis and treatment of common illnesses: fever, cough, abdominal pain, "
     "hypertension, diabetes.", 6,
     "发热、咳嗽、腹痛、高血压、糖尿病；普通门诊免费",
     "Fever, cough, stomach pain, blood pressure, diabetes; free general clinic", doctors=3),
    Department("B", "外科", "General Surgery", "门诊楼", "Outpatient Building", "2", "221",
     "乘电梯到2楼，出电梯左转走到底。",
     "Take the lift to floor 2, turn left and go to the end of the corridor.",
     "外伤处理、换药、体表肿物及普通外科疾病。",
     "Wounds, dressing changes, lumps and general surgical conditions.", 8,
     "外伤、换药、体表肿块",
     "Wounds, dressings, lumps", doctors=3),
    Department("C", "儿科", "Pediatrics", "门诊楼", "Outpatient Building", "1", "105",
     "一楼大厅向东走，儿童候诊区（有卡通图案）。",
     "From the ground-floor hall walk east to the children's waiting area.",
     "14岁以下儿童常见病、多发病诊治及儿童保健。",
     "Common illnesses and health checks for children under 14.", 7,
     "14岁以下儿童看病",
     "Children under 14", doctors=3),
    Department("D", "妇产科", "Obstetrics and Gynecology", "门诊楼", "Outpatient Building",
     "3", "301",
     "乘电梯到3楼，出电梯右转。",
     "Take the lift to floor 3 and turn right.",
     "妇科疾病、产前检查与孕期保健。",
     "Gynecological conditions, antenatal checks and pregnancy care.", 10,
     "妇科疾病、孕期检查",
     "Women's health, pregnancy checks", doctors=3),
    Department("E", "眼科", "Ophthalmology", "门诊楼", "Outpatient Building", "4", "402",
     "乘电梯到4楼，出电梯直走。",
     "Take the lift to floor 4 and walk straight ahead.",
     "视力下降、眼红眼痛、白内障、青光眼等眼部疾病。",
     "Loss of vision, red or painful eyes, cataract, glaucoma.", 8,
     "视力下降、眼红眼痛",
     "Eyesight, red or painful eyes"),
    Department("F", "耳鼻喉科", "ENT (Otolaryngology)", "门诊楼", "Outpatient Building", "4", "420",
     "乘电梯到4楼，出电梯左转。",
     "Take the lift to floor 4 and turn left.",
     "耳、鼻、咽喉及头颈部疾病。",
     "Ear, nose, throat, head and neck conditions.", 8,
     "耳朵、鼻子、咽喉",
     "Ear, nose and throat"),
    Department("G", "口腔科", "Stomatology (Dental)", "门诊楼", "Outpatient Building", "5", "501",
     "乘电梯到5楼，出电梯右转。",
     "Take the lift to floor 5 and turn right.",
     "牙痛、补牙、拔牙、洁牙及口腔黏膜疾病。",
     "Toothache, fillings, extractions, cleaning and oral conditions.", 15,
     "牙痛、补牙、洁牙",
     "Toothache, fillings, cleaning"),
    Department("H", "皮肤科", "Dermatology", "门诊楼", "Outpatient Building", "5", "520",
     "乘电梯到5楼，出电梯左转。",
     "Take the lift to floor 5 and turn left.",
     "湿疹、皮炎、痤疮、过敏等皮肤疾病。",
     "Eczema, dermatitis, acne, allergies and other skin conditions.", 6,
     "湿疹、痤疮、过敏",
     "Eczema, acne, allergies"),
    Department("J", "心血管内科", "Cardiology", "门诊楼", "Outpatient Building", "3", "330",
     "乘电梯到3楼，出电梯左转，心电图室旁边。",
     "Take the lift to floor 3, turn left; next to the ECG room.",
     "胸闷、胸痛、心悸、高血压、冠心病等心血管疾病。",
     "Chest tightness or pain, palpitations, hypertension, coronary heart disease.", 8,
     "胸闷胸痛、心悸、高血压",
     "Chest pain, palpitations, blood pressure"),
    Department("K", "骨科", "Orthopedics", "门诊楼", "Outpatient Building", "1", "120",
     "一楼大厅向西走，放射科对面。",
     "From the ground-floor hall walk west; opposite Radiology.",
     "骨折、关节痛、颈肩腰腿痛及运动损伤。",
     "Fractures, joint pain, neck and back pain, sports injuries.", 10,
     "骨折、关节痛、腰腿痛",
     "Fractures, joint and back pain"),
    Department("L", "神经内科", "Neurology", "医技楼", "Medical Technology Building", "2", "210",
     "穿过一楼连廊到医技楼，乘电梯到2楼。",
     "Cross the ground-floor walkway to the Medical Technology Building, lift to floor 2.",
     "头痛、头晕、失眠、中风后遗症等神经系统疾病。",
     "Headache, dizziness, insomnia, after-effects of stroke.", 10,
     "头痛、头晕、失眠",
     "Headache, dizziness, sleeplessness"),
    Department("M", "中医科", "Traditional Chinese Medicine",
     "医技楼", "Medical Technology Building", "3", "305",
     "穿过一楼连廊到医技楼，乘电梯到3楼。",
     "Cross the ground-floor walkway to the Medical Technology Building, lift to floor 3.",
     "中医内科调理、针灸、推拿。",
     "Traditional Chinese internal medicine, acupuncture and tuina massage.", 12,
     "中医调理、针灸、推拿",
     "Chinese medicine, acupuncture, massage"),
    Department("ER", "急诊科", "Emergency", "急诊楼", "Emergency Building", "1", "001",
     "出门诊楼向南50米，红色“急诊”标志。",
     "Leave the Outpatient Building and walk 50 m south to the red EMERGENCY sign.",
     "24小时急危重症救治。危急情况请直接前往急诊，无需排队。",
     "Round-the-clock emergency care. In an emergency go straight there; no queueing.", 5,
     "危急情况，24小时",
     "Emergencies, 24 hours"),
)  # fmt: skip


class DoctorTitle(NamedTuple):
    title: str
    title_en: str
    fee_cents: int  # a registration with a doctor of this title
    clinic_level: ClinicLevel  # 号别: (associate) chief physicians hold the specialist clinics


DOCTOR_TITLES: tuple[DoctorTitle, ...] = (
    DoctorTitle("主任医师", "Chief Physician", 5000, ClinicLevel.specialist),
    DoctorTitle("副主任医师", "Associate Chief Physician", 3000, ClinicLevel.specialist),
    DoctorTitle("主治医师", "Attending Physician", 1500, ClinicLevel.general),
    DoctorTitle("住院医师", "Resident Physician", 1000, ClinicLevel.general),
)


class SessionHours(NamedTuple):
    period: str  # a SessionPeriod value
    start_hour: int
    start_minute: int
    end_hour: int
    end_minute: int


SESSION_HOURS: tuple[SessionHours, ...] = (
    SessionHours("morning", 8, 0, 12, 0),
    SessionHours("afternoon", 13, 30, 17, 0),
)

# The free general clinic (普通门诊) of Internal Medicine: two more doctors whose sessions cost
# nothing, drawn from their own random stream so the rest of the demo hospital is unchanged.
GENERAL_CLINIC = "A"
GENERAL_CLINIC_DOCTORS = 2
GENERAL_CLINIC_HOURS: tuple[SessionHours, ...] = (
    SessionHours("morning", 8, 0, 12, 0),
    SessionHours("afternoon", 13, 30, 17, 0),
    SessionHours("evening", 18, 0, 21, 0),
)


# --- prices and places --------------------------------------------------------------------


class Price(NamedTuple):
    code: str
    name: str
    name_en: str
    category: str  # an ItemCategory value
    unit: str
    unit_en: str
    price_cents: int
    insurance_covered: bool
    # Pinyin initials (拼音首字母) of the name without its strength and pack size, written by
    # hand: patients search "amxl" for 阿莫西林. Latin letters in a name are kept.
    pinyin: str


PRICES: tuple[Price, ...] = (
    Price("REG-N", "普通门诊挂号费", "Registration, general clinic",
     "registration", "次", "visit", 0, False, "ptmzghf"),
    Price("REG-4", "住院医师挂号费", "Registration, resident physician",
     "registration", "次", "visit", 1000, False, "zyysghf"),
    Price("REG-3", "主治医师挂号费", "Registration, attending physician",
     "registration", "次", "visit", 1500, False, "zzysghf"),
    Price("REG-2", "副主任医师挂号费", "Registration, associate chief physician",
     "registration", "次", "visit", 3000, False, "fzrysghf"),
    Price("REG-1", "主任医师挂号费", "Registration, chief physician",
     "registration", "次", "visit", 5000, False, "zrysghf"),
    Price("CON-01", "门诊诊查费", "Outpatient consultation",
     "consultation", "次", "visit", 1000, True, "mzzcf"),
    Price("CON-02", "急诊诊查费", "Emergency consultation",
     "consultation", "次", "visit", 2000, True, "jzzcf"),
    Price("LAB-CBC", "血常规", "Complete blood count", "lab", "项", "test", 2500, True, "xcg"),
    Price("LAB-URN", "尿常规", "Urinalysis", "lab", "项", "test", 1500, True, "ncg"),
    Price("LAB-STL", "便常规", "Stool test", "lab", "项", "test", 1000, True, "bcg"),
    Price("LAB-CRP", "C反应蛋白", "C-reactive protein (CRP)",
     "lab", "项", "test", 4500, True, "cfydb"),
    Price("LAB-GLU", "空腹血糖", "Fasting blood glucose", "lab", "项", "test", 800, True, "kfxt"),
    Price("LAB-HBA", "糖化血红蛋白", "HbA1c", "lab", "项", "test", 7000, True, "thxhdb"),
    Price("LAB-LIP", "血脂四项", "Lipid panel", "lab", "项", "test", 4000, True, "xzsx"),
    Price("LAB-LFT", "肝功能", "Liver function tests", "lab", "项", "test", 8000, True, "ggn"),
    Price("LAB-RFT", "肾功能", "Kidney function tests", "lab", "项", "test", 6000, True, "sgn"),
    Price("IMG-DR", "胸部X线摄影（DR）", "Chest X-ray (DR)",
     "imaging", "次", "exam", 9000, True, "xbxxsydr"),
    Price("IMG-US", "腹部彩色超声", "Abdominal ultrasound",
     "imaging", "次", "exam", 12000, True, "fbcscs"),
    Price("IMG-CT", "头颅CT平扫", "Head CT scan", "imaging", "次", "exam", 26000, True, "tlctps"),
    Price("IMG-MRI", "膝关节磁共振", "Knee MRI", "imaging", "次", "exam", 58000, False, "xgjcgz"),
    Price("IMG-ECG", "常规心电图", "Electrocardiogram (ECG)",
     "imaging", "次", "exam", 2500, True, "cgxdt"),
    Price("DRG-AMX", "阿莫西林胶囊 0.25g×24粒", "Amoxicillin capsules 0.25 g × 24",
     "drug", "盒", "box", 1850, True, "amxljn"),
    Price("DRG-IBU", "布洛芬缓释胶囊 0.3g×20粒", "Ibuprofen SR capsules 0.3 g × 20",
     "drug", "盒", "box", 2480, True, "blfhsjn"),
    Price("DRG-CFX", "头孢克肟分散片 0.1g×6片", "Cefixime tablets 0.1 g × 6",
     "drug", "盒", "box", 3200, True, "tbkwfsp"),
    Price("DRG-MET", "盐酸二甲双胍片 0.5g×48片", "Metformin tablets 0.5 g × 48",
     "drug", "盒", "box", 1260, True, "ysejsgp"),
    Price("DRG-NIF", "硝苯地平控释片 30mg×7片", "Nifedipine CR tablets 30 mg × 7",
     "drug", "盒", "box", 3350, True, "xbdpksp"),
    Price("DRG-ATV", "阿托伐他汀钙片 20mg×7片", "Atorvastatin tablets 20 mg × 7",
     "drug", "盒", "box", 4500, True, "atfttgp"),
    Price("DRG-OME", "奥美拉唑肠溶胶囊 20mg×14粒", "Omeprazole capsules 20 mg × 14",
     "drug", "盒", "box", 2200, True, "amlzcrjn"),
    Price("DRG-LOR", "氯雷他定片 10mg×6片", "Loratadine tablets 10 mg × 6",
     "drug", "盒", "box", 1980, True, "lltdp"),
    Price("DRG-GCT", "复方甘草片 100片", "Compound liquorice tablets × 100",
     "drug", "瓶", "bottle", 650, True, "ffgcp"),
    Price("DRG-LHQ", "连花清瘟胶囊 0.35g×24粒", "Lianhua Qingwen capsules × 24",
     "drug", "盒", "box", 2800, True, "lhqwjn"),
    Price("DRG-BLG", "板蓝根颗粒 10g×20袋", "Banlangen granules 10 g × 20",
     "drug", "盒", "box", 1500, False, "blgkl"),
    Price("DRG-VTC", "维生素C片 0.1g×100片", "Vitamin C tablets 0.1 g × 100",
     "drug", "瓶", "bottle", 450, False, "wsscp"),
    Price("DRG-SMT", "蒙脱石散 3g×10袋", "Smectite powder 3 g × 10",
     "drug", "盒", "box", 1400, True, "mtss"),
    Price("DRG-ASP", "阿司匹林肠溶片 100mg×30片", "Aspirin EC tablets 100 mg × 30",
     "drug", "盒", "box", 1680, True, "asplcrp"),
    Price("TRT-IV", "静脉输液", "Intravenous infusion",
     "treatment", "次", "session", 1500, True, "jmsy"),
    Price("TRT-IM", "肌肉注射", "Intramuscular injection",
     "treatment", "次", "session", 500, True, "jrzs"),
    Price("TRT-NEB", "雾化吸入", "Nebulizer treatment",
     "treatment", "次", "session", 1800, True, "whxr"),
    Price("TRT-DRS", "换药（小）", "Dressing change (small)",
     "treatment", "次", "session", 2000, True, "hyx"),
    Price("TRT-SUT", "清创缝合", "Wound cleaning and suturing",
     "treatment", "次", "session", 12000, True, "qcfh"),
    Price("TRT-ACU", "普通针刺", "Acupuncture",
     "treatment", "次", "session", 4000, True, "ptzc"),
    Price("TRT-SCL", "洁治（全口）", "Dental cleaning (full mouth)",
     "treatment", "次", "session", 15000, False, "jzqk"),
    Price("MAT-IVS", "一次性输液器", "Disposable infusion set",
     "material", "套", "set", 350, True, "ycxsyq"),
    Price("MAT-GAU", "医用纱布", "Medical gauze", "material", "包", "pack", 200, True, "yysb"),
    Price("MAT-BND", "弹力绷带", "Elastic bandage", "material", "卷", "roll", 1200, False, "tlbd"),
)  # fmt: skip
INSURANCE_SHARE_PERCENT = 60  # of each covered item: the bills' stored share (see settlement)

# How the fixed patients are insured (kiosk.server.settlement): the type and the personal
# account's balance in cents. The other patients' follow ``random_insurance``.
FIXED_INSURANCE: dict[str, tuple[str, int]] = {
    "one_in_window": ("employee", 120000),
    "two_today": ("employee", 0),
    "too_early": ("resident", 0),
    "too_late": ("resident", 0),
    "cancelled": ("none", 0),
    "already_checked_in": ("employee", 8000),
    "rare_name": ("resident", 0),
    "middle_dot": ("none", 0),
    "no_appointment_today": ("employee", 20000),
    # ¥20 in the account: the lab bill (the older) takes all of it, the prescription none.
    "unpaid_bills": ("employee", 2000),
}
# The fixed patients whose medical insurance e-voucher QR the demo knows; the first has a
# demo card.
VOUCHER_SCENARIOS = ("unpaid_bills", "one_in_window")
VOUCHER_AREA = "110100"  # 北京市: the demo's insured area code (医保区划)


def demo_voucher(patient_id: str, *, salt: str = "") -> str:
    """The demo's e-voucher code of a patient (``kiosk.server.insurance_platform`` says the
    shape): deterministic, so the demo cards know it."""
    digest = hashlib.sha256(f"demo-voucher:{patient_id}:{salt}".encode()).hexdigest()
    return f"{VOUCHER_AREA}EC{digest[:32].upper()}"


def random_insurance(number: int) -> tuple[str, int]:
    """A seeded patient's insurance by their number: three in five employee insurance with up
    to ¥799 in the account, one resident insurance, one none."""
    kind = ("employee", "employee", "employee", "resident", "none")[number % 5]
    return kind, (number * 7919 % 800) * 100 if kind == "employee" else 0


class Facility(NamedTuple):
    """A place that is not a department, for the floor map."""

    id: str
    name: str
    name_en: str
    building: str
    building_en: str
    floor: str
    room: str


FACILITIES: tuple[Facility, ...] = (
    Facility("fac-cashier", "收费处", "Cashier", "门诊楼", "Outpatient Building", "1", "102"),
    Facility("fac-pharmacy", "西药房", "Pharmacy", "门诊楼", "Outpatient Building", "1", "108"),
    Facility("fac-radiology", "放射科", "Radiology", "门诊楼", "Outpatient Building", "1", "121"),
    Facility("fac-ecg", "心电图室", "ECG room", "门诊楼", "Outpatient Building", "3", "332"),
    Facility("fac-lab", "检验科（抽血）", "Laboratory (blood tests)",
     "医技楼", "Medical Technology Building", "1", "101"),
    Facility("fac-ultrasound", "超声科", "Ultrasound",
     "医技楼", "Medical Technology Building", "1", "115"),
)  # fmt: skip


class ScenarioBill(NamedTuple):
    """An unpaid bill of the "unpaid_bills" patient."""

    department_code: str
    title: str
    title_en: str
    minutes_ago: int
    items: tuple[tuple[str, int], ...]  # price code, quantity


SCENARIO_BILLS: tuple[ScenarioBill, ...] = (
    ScenarioBill("A", "内科 处方药费", "Prescription, Internal Medicine", 40,
     (("CON-01", 1), ("DRG-AMX", 2), ("DRG-IBU", 1), ("DRG-GCT", 1))),
    ScenarioBill("A", "内科 检验费", "Laboratory tests, Internal Medicine", 70,
     (("LAB-CBC", 1), ("LAB-CRP", 1), ("LAB-URN", 1))),
)  # fmt: skip


# --- people's names -----------------------------------------------------------------------


class NamePart(NamedTuple):
    hanzi: str
    pinyin: str


SURNAMES: tuple[NamePart, ...] = (
    NamePart("王", "Wang"), NamePart("李", "Li"), NamePart("张", "Zhang"), NamePart("刘", "Liu"),
    NamePart("陈", "Chen"), NamePart("杨", "Yang"), NamePart("黄", "Huang"), NamePart("赵", "Zhao"),
    NamePart("吴", "Wu"), NamePart("周", "Zhou"), NamePart("徐", "Xu"), NamePart("孙", "Sun"),
    NamePart("马", "Ma"), NamePart("朱", "Zhu"), NamePart("胡", "Hu"), NamePart("郭", "Guo"),
    NamePart("何", "He"), NamePart("林", "Lin"), NamePart("高", "Gao"), NamePart("罗", "Luo"),
    NamePart("郑", "Zheng"), NamePart("梁", "Liang"), NamePart("谢", "Xie"), NamePart("宋", "Song"),
    NamePart("唐", "Tang"), NamePart("韩", "Han"), NamePart("冯", "Feng"), NamePart("邓", "Deng"),
    NamePart("曹", "Cao"), NamePart("彭", "Peng"), NamePart("欧阳", "Ouyang"),
    NamePart("司马", "Sima"), NamePart("诸葛", "Zhuge"),
)  # fmt: skip
MALE_GIVEN_NAMES: tuple[NamePart, ...] = (
    NamePart("伟", "Wei"), NamePart("强", "Qiang"), NamePart("磊", "Lei"), NamePart("军", "Jun"),
    NamePart("洋", "Yang"), NamePart("勇", "Yong"), NamePart("杰", "Jie"), NamePart("涛", "Tao"),
    NamePart("明", "Ming"), NamePart("超", "Chao"), NamePart("刚", "Gang"), NamePart("平", "Ping"),
    NamePart("建华", "Jianhua"), NamePart("志强", "Zhiqiang"), NamePart("晓明", "Xiaoming"),
    NamePart("浩然", "Haoran"), NamePart("宇轩", "Yuxuan"), NamePart("俊杰", "Junjie"),
    NamePart("国强", "Guoqiang"), NamePart("德明", "Deming"), NamePart("子豪", "Zihao"),
    NamePart("文博", "Wenbo"),
)  # fmt: skip
FEMALE_GIVEN_NAMES: tuple[NamePart, ...] = (
    NamePart("芳", "Fang"), NamePart("娜", "Na"), NamePart("秀英", "Xiuying"),
    NamePart("敏", "Min"), NamePart("静", "Jing"), NamePart("丽", "Li"), NamePart("艳", "Yan"),
    NamePart("娟", "Juan"), NamePart("秀兰", "Xiulan"), NamePart("霞", "Xia"),
    NamePart("桂英", "Guiying"), NamePart("海燕", "Haiyan"), NamePart("子涵", "Zihan"),
    NamePart("欣怡", "Xinyi"), NamePart("雨桐", "Yutong"), NamePart("梓萱", "Zixuan"),
    NamePart("淑珍", "Shuzhen"), NamePart("玉兰", "Yulan"), NamePart("婷婷", "Tingting"),
    NamePart("思雨", "Siyu"),
)  # fmt: skip


class SpecialName(NamedTuple):
    name: str
    gender: str


# Names that test masking, fonts and encodings; each used once among the random patients.
SPECIAL_NAMES: tuple[SpecialName, ...] = (
    SpecialName("古丽米拉·阿不都", "female"), SpecialName("阿依古丽·吐尔逊", "female"),
    SpecialName("扎西顿珠", "male"), SpecialName("欧阳娜娜", "female"), SpecialName("单喆", "male"),
    SpecialName("石磊", "male"), SpecialName("叶", "female"),
)  # fmt: skip

# The region codes (first six digits) of the random patients' resident ids.
REGIONS = (
    "110101", "110105", "110108", "310104", "310115", "440106", "440305", "510107",
    "330106", "320102", "420106", "610113", "650102", "210102", "370102",
)  # fmt: skip
PHONE_PREFIXES = ("135", "136", "137", "139", "150", "151", "158", "177", "186", "188", "199")


# --- reports ------------------------------------------------------------------------------


class ScenarioReport(NamedTuple):
    """A demo report: whose, which department, kind, title, ordered and out (minutes from now:
    negative in the past, positive pending), and its content (``kiosk.server.reports``)."""

    scenario: str
    department_code: str
    kind: str
    title: str
    title_en: str
    ordered_minutes: int
    ready_minutes: int
    content: dict[str, object]


_CBC = [
    ("白细胞计数", "WBC", "11.2", "10^9/L", "3.5-9.5", "↑"),
    ("中性粒细胞百分比", "Neutrophils %", "78.4", "%", "40-75", "↑"),
    ("淋巴细胞百分比", "Lymphocytes %", "15.1", "%", "20-50", "↓"),
    ("单核细胞百分比", "Monocytes %", "5.2", "%", "3-10", ""),
    ("嗜酸性粒细胞百分比", "Eosinophils %", "1.0", "%", "0.4-8", ""),
    ("嗜碱性粒细胞百分比", "Basophils %", "0.3", "%", "0-1", ""),
    ("红细胞计数", "RBC", "4.52", "10^12/L", "3.8-5.1", ""),
    ("血红蛋白", "Hemoglobin", "132", "g/L", "115-150", ""),
    ("红细胞压积", "Hematocrit", "40.1", "%", "35-45", ""),
    ("平均红细胞体积", "MCV", "88.7", "fL", "82-100", ""),
    ("平均血红蛋白量", "MCH", "29.2", "pg", "27-34", ""),
    ("平均血红蛋白浓度", "MCHC", "329", "g/L", "316-354", ""),
    ("红细胞分布宽度", "RDW-CV", "12.8", "%", "11-16", ""),
    ("血小板计数", "Platelets", "236", "10^9/L", "125-350", ""),
    ("平均血小板体积", "MPV", "10.1", "fL", "7.4-12.5", ""),
    ("C反应蛋白", "CRP", "18.6", "mg/L", "0-10", "↑"),
]
_BIOCHEMISTRY = [
    ("谷丙转氨酶", "ALT", "23", "U/L", "7-40", ""),
    ("谷草转氨酶", "AST", "21", "U/L", "13-35", ""),
    ("碱性磷酸酶", "ALP", "76", "U/L", "35-100", ""),
    ("γ-谷氨酰转移酶", "GGT", "18", "U/L", "7-45", ""),
    ("总蛋白", "Total protein", "71.3", "g/L", "65-85", ""),
    ("白蛋白", "Albumin", "43.2", "g/L", "40-55", ""),
    ("球蛋白", "Globulin", "28.1", "g/L", "20-40", ""),
    ("总胆红素", "Total bilirubin", "12.4", "μmol/L", "0-21", ""),
    ("直接胆红素", "Direct bilirubin", "3.1", "μmol/L", "0-8", ""),
    ("尿素", "Urea", "5.6", "mmol/L", "2.6-7.5", ""),
    ("肌酐", "Creatinine", "68", "μmol/L", "41-73", ""),
    ("尿酸", "Uric acid", "402", "μmol/L", "155-357", "↑"),
    ("葡萄糖", "Glucose", "6.4", "mmol/L", "3.9-6.1", "↑"),
    ("总胆固醇", "Cholesterol", "5.8", "mmol/L", "0-5.2", "↑"),
    ("甘油三酯", "Triglycerides", "1.9", "mmol/L", "0-1.7", "↑"),
    ("高密度脂蛋白", "HDL", "1.21", "mmol/L", "1.04-1.55", ""),
    ("低密度脂蛋白", "LDL", "3.62", "mmol/L", "0-3.37", "↑"),
    ("钾", "Potassium", "4.1", "mmol/L", "3.5-5.3", ""),
    ("钠", "Sodium", "140", "mmol/L", "137-147", ""),
    ("氯", "Chloride", "103", "mmol/L", "99-110", ""),
    ("钙", "Calcium", "2.31", "mmol/L", "2.11-2.52", ""),
    ("磷", "Phosphorus", "1.12", "mmol/L", "0.85-1.51", ""),
    ("镁", "Magnesium", "0.91", "mmol/L", "0.75-1.02", ""),
    ("二氧化碳", "CO2", "24.6", "mmol/L", "22-29", ""),
    ("乳酸脱氢酶", "LDH", "178", "U/L", "120-250", ""),
    ("肌酸激酶", "CK", "96", "U/L", "40-200", ""),
    ("同型半胱氨酸", "Homocysteine", "11.8", "μmol/L", "0-15", ""),
    ("糖化血红蛋白", "HbA1c", "6.1", "%", "4-6", "↑"),
]
SCENARIO_REPORTS: tuple[ScenarioReport, ...] = (
    ScenarioReport("unpaid_bills", "A", "lab", "血常规", "Complete blood count", -150, -60,
                   {"results": _CBC}),
    ScenarioReport("unpaid_bills", "A", "lab", "生化全项", "Biochemistry panel", -150, -20,
                   {"results": _BIOCHEMISTRY}),
    ScenarioReport("unpaid_bills", "A", "lab", "尿常规", "Urinalysis", -40, 90,
                   {"results": []}),
    ScenarioReport("too_early", "K", "imaging", "右膝关节X线正侧位", "X-ray, right knee", -2900,
                   -2800, {
        "findings": "右膝关节诸骨骨质未见明显骨折征象，关节间隙稍变窄，髁间隆起略变尖，"
                    "髌骨上下缘可见少许骨质增生。软组织未见明显肿胀。",
        "findings_en": "No fracture of the right knee. The joint space is slightly narrowed, "
                       "the intercondylar eminence slightly sharpened, with small osteophytes "
                       "at the patella's edges. No soft-tissue swelling.",
        "impression": "右膝关节退行性变。",
        "impression_en": "Degenerative change of the right knee.",
    }),
    ScenarioReport("too_early", "K", "imaging", "右膝关节磁共振", "MRI, right knee", -60, 1440,
                   {"findings": "", "findings_en": "", "impression": "", "impression_en": ""}),
)  # fmt: skip
