"""A deterministic demo hospital: departments, doctors, a week of sessions, 200 patients.

Everything is drawn from ``random.Random(SEED)``, so the same ``now`` gives the same database.
Appointment times are relative to ``now`` so the demo works at any hour; a few fixed patients
(``DEMO_IDENTITIES``) exercise each check-in outcome. Near midnight the "today" clamping can
make a scenario drift (e.g. ``too_late`` is not late yet in the first half hour of the day).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass

from kiosk.api.models import IdentifierKind
from kiosk.identity import is_valid_resident_id, resident_id_check_character
from kiosk.server.db import (
    DEFAULT_MINUTES_PER_PATIENT,
    add_kiosk,
    insert_appointment,
    issue_ticket,
    to_db_time,
    write_transaction,
)

SEED = 20240607
DEMO_KIOSK_ID = "demo-kiosk"
DEMO_TOKEN = "demo-token"
DEMO_PHONE = "13800138000"  # also identifies the "one_in_window" patient
PATIENT_COUNT = 200


@dataclass(frozen=True)
class DemoIdentity:
    """How to identify one fixed demo patient, and what their visit looks like."""

    scenario: str
    kind: IdentifierKind
    value: str
    description_en: str


def _rid(first17: str) -> str:
    return first17 + resident_id_check_character(first17)


@dataclass(frozen=True)
class _FixedPatient:
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


_FIXED: tuple[_FixedPatient, ...] = (
    _FixedPatient(
        "one_in_window", "pat-0001", "王秀英", "female", "11010519491231002X", DEMO_PHONE,
        "SI11010500000001", "HC10000001", "EHC:demo-0001-7f3a9c", IdentifierKind.id_card,
        "Exactly one appointment today (Internal Medicine, in about 20 minutes), inside its "
        f"check-in window; also found by phone {DEMO_PHONE}.",
    ),
    _FixedPatient(
        "two_today", "pat-0002", "李建华", "male", "110101199003074258", "13911112222",
        "SI11010100000002", "HC10000002", "EHC:demo-0002-2b8e41", IdentifierKind.id_card,
        "Two appointments today (Cardiology and Ophthalmology), both inside their windows.",
    ),
    _FixedPatient(
        "too_early", "pat-0003", "张伟", "male", _rid("31010419780515003"), "13622223333",
        "SI31010400000003", "HC10000003", "EHC:demo-0003-c4d210", IdentifierKind.insurance_card,
        "One appointment today in about 3 hours: check-in is not open yet (too_early).",
    ),
    _FixedPatient(
        "too_late", "pat-0004", "刘芳", "female", _rid("44010619850220004"), "13733334444",
        "SI44010600000004", "HC10000004", "EHC:demo-0004-91fe07", IdentifierKind.patient_card,
        "One appointment today 2 hours ago: check-in has closed (too_late).",
    ),
    _FixedPatient(
        "cancelled", "pat-0005", "陈静", "female", _rid("51010719920808006"), "15044445555",
        "SI51010700000005", "HC10000005", "EHC:demo-0005-5a6b7c", IdentifierKind.health_qr,
        "One appointment today that was cancelled (cancelled).",
    ),
    _FixedPatient(
        "already_checked_in", "pat-0006", "赵强", "male", _rid("32010219601111007"),
        "15155556666", "SI32010200000006", "HC10000006", "EHC:demo-0006-de11f0",
        IdentifierKind.phone,
        "Checked in today already (General Surgery): check-in answers 409 with the same ticket.",
    ),
    _FixedPatient(
        "rare_name", "pat-0007", "𠮷祥", "male", _rid("33010619881001009"), "18666667777",
        "SI33010600000007", "HC10000007", "EHC:demo-0007-0a0b0c", IdentifierKind.id_card,
        "Name with 𠮷 (outside the BMP, not in GB2312); one appointment today inside its window.",
    ),
    _FixedPatient(
        "middle_dot", "pat-0008", "买买提·艾力", "male", _rid("65010219750303001"),
        "19977778888", "SI65010200000008", "HC10000008", "EHC:demo-0008-88aa99",
        IdentifierKind.id_card,
        "Uyghur name with a middle dot; one appointment today inside its window.",
    ),
    _FixedPatient(
        "no_appointment_today", "pat-0009", "龘龙", "male", _rid("21010219550606001"),
        "17788889999", "SI21010200000009", "HC10000009", "EHC:demo-0009-123abc",
        IdentifierKind.patient_card,
        "Rare name 龘; no appointment today, one tomorrow morning.",
    ),
    _FixedPatient(
        "unpaid_bills", "pat-0200", "周美玲", "female", _rid("42011119680412024"),
        "16612345678", "SI42011100000010", "HC10000010", "EHC:demo-0010-b1115a",
        IdentifierKind.insurance_card,
        "Two unpaid bills, both with an insurance share: a prescription (paying it gives a "
        "pharmacy ticket) and a lab bill; no appointment today.",
    ),
)  # fmt: skip

# Random patients are pat-0010 … pat-0200; a fixed patient with an id in that range (the
# later scenarios) replaces the random one, whose draws are still made so that adding a
# scenario leaves every other random patient and appointment as it was.
_FIRST_RANDOM = 10

DEMO_IDENTITIES: dict[str, DemoIdentity] = {
    p.scenario: DemoIdentity(p.scenario, p.kind, p.value, p.description_en) for p in _FIXED
}

# code, name, name_en, building, building_en, floor, room, directions, directions_en,
# description, description_en, minutes per patient
_DEPARTMENTS: tuple[tuple[str, str, str, str, str, str, str, str, str, str, str, int], ...] = (
    ("A", "内科", "Internal Medicine", "门诊楼", "Outpatient Building", "2", "201",
     "乘电梯到2楼，出电梯右转，第一个候诊区。",
     "Take the lift to floor 2, turn right; the first waiting area.",
     "常见内科疾病的诊断与治疗：发热、咳嗽、腹痛、高血压、糖尿病等。",
     "Diagnosis and treatment of common illnesses: fever, cough, abdominal pain, "
     "hypertension, diabetes.", 6),
    ("B", "外科", "General Surgery", "门诊楼", "Outpatient Building", "2", "221",
     "乘电梯到2楼，出电梯左转走到底。",
     "Take the lift to floor 2, turn left and go to the end of the corridor.",
     "外伤处理、换药、体表肿物及普通外科疾病。",
     "Wounds, dressing changes, lumps and general surgical conditions.", 8),
    ("C", "儿科", "Pediatrics", "门诊楼", "Outpatient Building", "1", "105",
     "一楼大厅向东走，儿童候诊区（有卡通图案）。",
     "From the ground-floor hall walk east to the children's waiting area.",
     "14岁以下儿童常见病、多发病诊治及儿童保健。",
     "Common illnesses and health checks for children under 14.", 7),
    ("D", "妇产科", "Obstetrics and Gynecology", "门诊楼", "Outpatient Building", "3", "301",
     "乘电梯到3楼，出电梯右转。",
     "Take the lift to floor 3 and turn right.",
     "妇科疾病、产前检查与孕期保健。",
     "Gynecological conditions, antenatal checks and pregnancy care.", 10),
    ("E", "眼科", "Ophthalmology", "门诊楼", "Outpatient Building", "4", "402",
     "乘电梯到4楼，出电梯直走。",
     "Take the lift to floor 4 and walk straight ahead.",
     "视力下降、眼红眼痛、白内障、青光眼等眼部疾病。",
     "Loss of vision, red or painful eyes, cataract, glaucoma.", 8),
    ("F", "耳鼻喉科", "ENT (Otolaryngology)", "门诊楼", "Outpatient Building", "4", "420",
     "乘电梯到4楼，出电梯左转。",
     "Take the lift to floor 4 and turn left.",
     "耳、鼻、咽喉及头颈部疾病。",
     "Ear, nose, throat, head and neck conditions.", 8),
    ("G", "口腔科", "Stomatology (Dental)", "门诊楼", "Outpatient Building", "5", "501",
     "乘电梯到5楼，出电梯右转。",
     "Take the lift to floor 5 and turn right.",
     "牙痛、补牙、拔牙、洁牙及口腔黏膜疾病。",
     "Toothache, fillings, extractions, cleaning and oral conditions.", 15),
    ("H", "皮肤科", "Dermatology", "门诊楼", "Outpatient Building", "5", "520",
     "乘电梯到5楼，出电梯左转。",
     "Take the lift to floor 5 and turn left.",
     "湿疹、皮炎、痤疮、过敏等皮肤疾病。",
     "Eczema, dermatitis, acne, allergies and other skin conditions.", 6),
    ("J", "心血管内科", "Cardiology", "门诊楼", "Outpatient Building", "3", "330",
     "乘电梯到3楼，出电梯左转，心电图室旁边。",
     "Take the lift to floor 3, turn left; next to the ECG room.",
     "胸闷、胸痛、心悸、高血压、冠心病等心血管疾病。",
     "Chest tightness or pain, palpitations, hypertension, coronary heart disease.", 8),
    ("K", "骨科", "Orthopedics", "门诊楼", "Outpatient Building", "1", "120",
     "一楼大厅向西走，放射科对面。",
     "From the ground-floor hall walk west; opposite Radiology.",
     "骨折、关节痛、颈肩腰腿痛及运动损伤。",
     "Fractures, joint pain, neck and back pain, sports injuries.", 10),
    ("L", "神经内科", "Neurology", "医技楼", "Medical Technology Building", "2", "210",
     "穿过一楼连廊到医技楼，乘电梯到2楼。",
     "Cross the ground-floor walkway to the Medical Technology Building, lift to floor 2.",
     "头痛、头晕、失眠、中风后遗症等神经系统疾病。",
     "Headache, dizziness, insomnia, after-effects of stroke.", 10),
    ("M", "中医科", "Traditional Chinese Medicine", "医技楼", "Medical Technology Building",
     "3", "305",
     "穿过一楼连廊到医技楼，乘电梯到3楼。",
     "Cross the ground-floor walkway to the Medical Technology Building, lift to floor 3.",
     "中医内科调理、针灸、推拿。",
     "Traditional Chinese internal medicine, acupuncture and tuina massage.", 12),
    ("ER", "急诊科", "Emergency", "急诊楼", "Emergency Building", "1", "001",
     "出门诊楼向南50米，红色“急诊”标志。",
     "Leave the Outpatient Building and walk 50 m south to the red EMERGENCY sign.",
     "24小时急危重症救治。危急情况请直接前往急诊，无需排队。",
     "Round-the-clock emergency care. In an emergency go straight there; no queueing.", 5),
)  # fmt: skip

# One line each: what a department treats, for a patient choosing where to register.
_HINTS: dict[str, tuple[str, str]] = {
    "A": (
        "发热、咳嗽、腹痛、高血压、糖尿病；普通门诊免费",
        "Fever, cough, stomach pain, blood pressure, diabetes; free general clinic",
    ),
    "B": ("外伤、换药、体表肿块", "Wounds, dressings, lumps"),
    "C": ("14岁以下儿童看病", "Children under 14"),
    "D": ("妇科疾病、孕期检查", "Women's health, pregnancy checks"),
    "E": ("视力下降、眼红眼痛", "Eyesight, red or painful eyes"),
    "F": ("耳朵、鼻子、咽喉", "Ear, nose and throat"),
    "G": ("牙痛、补牙、洁牙", "Toothache, fillings, cleaning"),
    "H": ("湿疹、痤疮、过敏", "Eczema, acne, allergies"),
    "J": ("胸闷胸痛、心悸、高血压", "Chest pain, palpitations, blood pressure"),
    "K": ("骨折、关节痛、腰腿痛", "Fractures, joint and back pain"),
    "L": ("头痛、头晕、失眠", "Headache, dizziness, sleeplessness"),
    "M": ("中医调理、针灸、推拿", "Chinese medicine, acupuncture, massage"),
    "ER": ("危急情况，24小时", "Emergencies, 24 hours"),
}

# The free general clinic (普通门诊) of Internal Medicine: two more doctors whose sessions cost
# nothing, drawn from their own random stream so the rest of the demo hospital is unchanged.
GENERAL_CLINIC = "A"
_GENERAL_CLINIC_DOCTORS = 2
_GENERAL_CLINIC_PERIODS = (
    ("morning", 8, 0, 12, 0),
    ("afternoon", 13, 30, 17, 0),
    ("evening", 18, 0, 21, 0),
)

# The price list: code, name, name_en, category, unit, unit_en, price in cents, insurance covers.
_PRICES: tuple[tuple[str, str, str, str, str, str, int, bool], ...] = (
    ("REG-N", "普通门诊挂号费", "Registration, general clinic",
     "registration", "次", "visit", 0, False),
    ("REG-4", "住院医师挂号费", "Registration, resident physician",
     "registration", "次", "visit", 1000, False),
    ("REG-3", "主治医师挂号费", "Registration, attending physician",
     "registration", "次", "visit", 1500, False),
    ("REG-2", "副主任医师挂号费", "Registration, associate chief physician",
     "registration", "次", "visit", 3000, False),
    ("REG-1", "主任医师挂号费", "Registration, chief physician",
     "registration", "次", "visit", 5000, False),
    ("CON-01", "门诊诊查费", "Outpatient consultation", "consultation", "次", "visit", 1000, True),
    ("CON-02", "急诊诊查费", "Emergency consultation", "consultation", "次", "visit", 2000, True),
    ("LAB-CBC", "血常规", "Complete blood count", "lab", "项", "test", 2500, True),
    ("LAB-URN", "尿常规", "Urinalysis", "lab", "项", "test", 1500, True),
    ("LAB-STL", "便常规", "Stool test", "lab", "项", "test", 1000, True),
    ("LAB-CRP", "C反应蛋白", "C-reactive protein (CRP)", "lab", "项", "test", 4500, True),
    ("LAB-GLU", "空腹血糖", "Fasting blood glucose", "lab", "项", "test", 800, True),
    ("LAB-HBA", "糖化血红蛋白", "HbA1c", "lab", "项", "test", 7000, True),
    ("LAB-LIP", "血脂四项", "Lipid panel", "lab", "项", "test", 4000, True),
    ("LAB-LFT", "肝功能", "Liver function tests", "lab", "项", "test", 8000, True),
    ("LAB-RFT", "肾功能", "Kidney function tests", "lab", "项", "test", 6000, True),
    ("IMG-DR", "胸部X线摄影（DR）", "Chest X-ray (DR)", "imaging", "次", "exam", 9000, True),
    ("IMG-US", "腹部彩色超声", "Abdominal ultrasound", "imaging", "次", "exam", 12000, True),
    ("IMG-CT", "头颅CT平扫", "Head CT scan", "imaging", "次", "exam", 26000, True),
    ("IMG-MRI", "膝关节磁共振", "Knee MRI", "imaging", "次", "exam", 58000, False),
    ("IMG-ECG", "常规心电图", "Electrocardiogram (ECG)", "imaging", "次", "exam", 2500, True),
    ("DRG-AMX", "阿莫西林胶囊 0.25g×24粒", "Amoxicillin capsules 0.25 g × 24",
     "drug", "盒", "box", 1850, True),
    ("DRG-IBU", "布洛芬缓释胶囊 0.3g×20粒", "Ibuprofen SR capsules 0.3 g × 20",
     "drug", "盒", "box", 2480, True),
    ("DRG-CFX", "头孢克肟分散片 0.1g×6片", "Cefixime tablets 0.1 g × 6",
     "drug", "盒", "box", 3200, True),
    ("DRG-MET", "盐酸二甲双胍片 0.5g×48片", "Metformin tablets 0.5 g × 48",
     "drug", "盒", "box", 1260, True),
    ("DRG-NIF", "硝苯地平控释片 30mg×7片", "Nifedipine CR tablets 30 mg × 7",
     "drug", "盒", "box", 3350, True),
    ("DRG-ATV", "阿托伐他汀钙片 20mg×7片", "Atorvastatin tablets 20 mg × 7",
     "drug", "盒", "box", 4500, True),
    ("DRG-OME", "奥美拉唑肠溶胶囊 20mg×14粒", "Omeprazole capsules 20 mg × 14",
     "drug", "盒", "box", 2200, True),
    ("DRG-LOR", "氯雷他定片 10mg×6片", "Loratadine tablets 10 mg × 6",
     "drug", "盒", "box", 1980, True),
    ("DRG-GCT", "复方甘草片 100片", "Compound liquorice tablets × 100",
     "drug", "瓶", "bottle", 650, True),
    ("DRG-LHQ", "连花清瘟胶囊 0.35g×24粒", "Lianhua Qingwen capsules × 24",
     "drug", "盒", "box", 2800, True),
    ("DRG-BLG", "板蓝根颗粒 10g×20袋", "Banlangen granules 10 g × 20",
     "drug", "盒", "box", 1500, False),
    ("DRG-VTC", "维生素C片 0.1g×100片", "Vitamin C tablets 0.1 g × 100",
     "drug", "瓶", "bottle", 450, False),
    ("DRG-SMT", "蒙脱石散 3g×10袋", "Smectite powder 3 g × 10", "drug", "盒", "box", 1400, True),
    ("DRG-ASP", "阿司匹林肠溶片 100mg×30片", "Aspirin EC tablets 100 mg × 30",
     "drug", "盒", "box", 1680, True),
    ("TRT-IV", "静脉输液", "Intravenous infusion", "treatment", "次", "session", 1500, True),
    ("TRT-IM", "肌肉注射", "Intramuscular injection", "treatment", "次", "session", 500, True),
    ("TRT-NEB", "雾化吸入", "Nebulizer treatment", "treatment", "次", "session", 1800, True),
    ("TRT-DRS", "换药（小）", "Dressing change (small)", "treatment", "次", "session", 2000, True),
    ("TRT-SUT", "清创缝合", "Wound cleaning and suturing",
     "treatment", "次", "session", 12000, True),
    ("TRT-ACU", "普通针刺", "Acupuncture", "treatment", "次", "session", 4000, True),
    ("TRT-SCL", "洁治（全口）", "Dental cleaning (full mouth)",
     "treatment", "次", "session", 15000, False),
    ("MAT-IVS", "一次性输液器", "Disposable infusion set", "material", "套", "set", 350, True),
    ("MAT-GAU", "医用纱布", "Medical gauze", "material", "包", "pack", 200, True),
    ("MAT-BND", "弹力绷带", "Elastic bandage", "material", "卷", "roll", 1200, False),
)  # fmt: skip
_PRICE_BY_CODE = {row[0]: row for row in _PRICES}
# Pinyin initials (拼音首字母) of each price item's name without its strength and pack size,
# written by hand: patients search "amxl" for 阿莫西林. Latin letters in a name are kept.
_PINYIN: dict[str, str] = {
    "REG-N": "ptmzghf",  # 普通门诊挂号费
    "REG-4": "zyysghf",  # 住院医师挂号费
    "REG-3": "zzysghf",  # 主治医师挂号费
    "REG-2": "fzrysghf",  # 副主任医师挂号费
    "REG-1": "zrysghf",  # 主任医师挂号费
    "CON-01": "mzzcf",  # 门诊诊查费
    "CON-02": "jzzcf",  # 急诊诊查费
    "LAB-CBC": "xcg",  # 血常规
    "LAB-URN": "ncg",  # 尿常规
    "LAB-STL": "bcg",  # 便常规
    "LAB-CRP": "cfydb",  # C反应蛋白
    "LAB-GLU": "kfxt",  # 空腹血糖
    "LAB-HBA": "thxhdb",  # 糖化血红蛋白
    "LAB-LIP": "xzsx",  # 血脂四项
    "LAB-LFT": "ggn",  # 肝功能
    "LAB-RFT": "sgn",  # 肾功能
    "IMG-DR": "xbxxsydr",  # 胸部X线摄影（DR）
    "IMG-US": "fbcscs",  # 腹部彩色超声
    "IMG-CT": "tlctps",  # 头颅CT平扫
    "IMG-MRI": "xgjcgz",  # 膝关节磁共振
    "IMG-ECG": "cgxdt",  # 常规心电图
    "DRG-AMX": "amxljn",  # 阿莫西林胶囊
    "DRG-IBU": "blfhsjn",  # 布洛芬缓释胶囊
    "DRG-CFX": "tbkwfsp",  # 头孢克肟分散片
    "DRG-MET": "ysejsgp",  # 盐酸二甲双胍片
    "DRG-NIF": "xbdpksp",  # 硝苯地平控释片
    "DRG-ATV": "atfttgp",  # 阿托伐他汀钙片
    "DRG-OME": "amlzcrjn",  # 奥美拉唑肠溶胶囊
    "DRG-LOR": "lltdp",  # 氯雷他定片
    "DRG-GCT": "ffgcp",  # 复方甘草片
    "DRG-LHQ": "lhqwjn",  # 连花清瘟胶囊
    "DRG-BLG": "blgkl",  # 板蓝根颗粒
    "DRG-VTC": "wsscp",  # 维生素C片
    "DRG-SMT": "mtss",  # 蒙脱石散
    "DRG-ASP": "asplcrp",  # 阿司匹林肠溶片
    "TRT-IV": "jmsy",  # 静脉输液
    "TRT-IM": "jrzs",  # 肌肉注射
    "TRT-NEB": "whxr",  # 雾化吸入
    "TRT-DRS": "hyx",  # 换药（小）
    "TRT-SUT": "qcfh",  # 清创缝合
    "TRT-ACU": "ptzc",  # 普通针刺
    "TRT-SCL": "jzqk",  # 洁治（全口）
    "MAT-IVS": "ycxsyq",  # 一次性输液器
    "MAT-GAU": "yysb",  # 医用纱布
    "MAT-BND": "tlbd",  # 弹力绷带
}
INSURANCE_SHARE_PERCENT = 60  # of each covered item

# Places that are not departments, for the floor map: id, name, name_en, building,
# building_en, floor, room.
_FACILITIES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("fac-cashier", "收费处", "Cashier", "门诊楼", "Outpatient Building", "1", "102"),
    ("fac-pharmacy", "西药房", "Pharmacy", "门诊楼", "Outpatient Building", "1", "108"),
    ("fac-radiology", "放射科", "Radiology", "门诊楼", "Outpatient Building", "1", "121"),
    ("fac-ecg", "心电图室", "ECG room", "门诊楼", "Outpatient Building", "3", "332"),
    ("fac-lab", "检验科（抽血）", "Laboratory (blood tests)",
     "医技楼", "Medical Technology Building", "1", "101"),
    ("fac-ultrasound", "超声科", "Ultrasound", "医技楼", "Medical Technology Building", "1", "115"),
)  # fmt: skip

# Bills of the "unpaid_bills" patient: department, title, title_en, minutes ago, items.
_SCENARIO_BILLS: tuple[tuple[str, str, str, int, tuple[tuple[str, int], ...]], ...] = (
    ("A", "内科 处方药费", "Prescription, Internal Medicine", 40,
     (("CON-01", 1), ("DRG-AMX", 2), ("DRG-IBU", 1), ("DRG-GCT", 1))),
    ("A", "内科 检验费", "Laboratory tests, Internal Medicine", 70,
     (("LAB-CBC", 1), ("LAB-CRP", 1), ("LAB-URN", 1))),
)  # fmt: skip

_DOCTORS_PER_DEPARTMENT = {"A": 3, "B": 3, "C": 3, "D": 3}  # others: 2 (30 in all)

_TITLES: tuple[tuple[str, str, int], ...] = (
    ("主任医师", "Chief Physician", 5000),
    ("副主任医师", "Associate Chief Physician", 3000),
    ("主治医师", "Attending Physician", 1500),
    ("住院医师", "Resident Physician", 1000),
)

_SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"),
    ("何", "He"), ("林", "Lin"), ("高", "Gao"), ("罗", "Luo"), ("郑", "Zheng"),
    ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"), ("韩", "Han"),
    ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"), ("欧阳", "Ouyang"),
    ("司马", "Sima"), ("诸葛", "Zhuge"),
)  # fmt: skip
_MALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "Wei"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
    ("勇", "Yong"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"),
    ("刚", "Gang"), ("平", "Ping"), ("建华", "Jianhua"), ("志强", "Zhiqiang"),
    ("晓明", "Xiaoming"), ("浩然", "Haoran"), ("宇轩", "Yuxuan"), ("俊杰", "Junjie"),
    ("国强", "Guoqiang"), ("德明", "Deming"), ("子豪", "Zihao"), ("文博", "Wenbo"),
)  # fmt: skip
_FEMALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("芳", "Fang"), ("娜", "Na"), ("秀英", "Xiuying"), ("敏", "Min"), ("静", "Jing"),
    ("丽", "Li"), ("艳", "Yan"), ("娟", "Juan"), ("秀兰", "Xiulan"), ("霞", "Xia"),
    ("桂英", "Guiying"), ("海燕", "Haiyan"), ("子涵", "Zihan"), ("欣怡", "Xinyi"),
    ("雨桐", "Yutong"), ("梓萱", "Zixuan"), ("淑珍", "Shuzhen"), ("玉兰", "Yulan"),
    ("婷婷", "Tingting"), ("思雨", "Siyu"),
)  # fmt: skip
# Names that test masking, fonts and encodings; each used once among the random patients.
_SPECIAL_NAMES: tuple[tuple[str, str], ...] = (
    ("古丽米拉·阿不都", "female"), ("阿依古丽·吐尔逊", "female"), ("扎西顿珠", "male"),
    ("欧阳娜娜", "female"), ("单喆", "male"), ("石磊", "male"), ("叶", "female"),
)  # fmt: skip
_REGIONS = (
    "110101", "110105", "110108", "310104", "310115", "440106", "440305", "510107",
    "330106", "320102", "420106", "610113", "650102", "210102", "370102",
)  # fmt: skip
_PHONE_PREFIXES = ("135", "136", "137", "139", "150", "151", "158", "177", "186", "188", "199")


def _department_id(code: str) -> str:
    return f"dep-{code.lower()}"


class _Builder:
    def __init__(self, conn: sqlite3.Connection, now: dt.datetime) -> None:
        self.conn = conn
        self.now = now
        self.today = now.date()
        self.rng = random.Random(SEED)
        self.doctors_by_dep: dict[str, list[str]] = {}
        self.doctor_rows: list[tuple[str, str, str, str, str, str]] = []
        self.sessions: list[tuple[str, str, dt.datetime, dt.datetime]] = []  # id, doc, start, end
        self.used: dict[str, set[str]] = {
            "id": set(),
            "phone": set(),
            "si": set(),
            "hc": set(),
            "qr": set(),
        }
        self.next_appointment = 1
        self.to_check_in: list[tuple[dt.datetime, str, str]] = []  # issued_at, appt id, status
        self.next_bill = 1

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.now.tzinfo)

    def today_at_offset(self, minutes: int) -> dt.datetime:
        """now + minutes, kept inside today."""
        start = dt.datetime.combine(self.today, dt.time(0, 0), tzinfo=self.now.tzinfo)
        latest = start + dt.timedelta(hours=23, minutes=59)
        value = self.now + dt.timedelta(minutes=minutes)
        return min(max(value, start), latest).replace(second=0, microsecond=0)

    # --- hospital ---------------------------------------------------------------------------

    def departments(self) -> None:
        rows = []
        for sort, d in enumerate(_DEPARTMENTS):
            code, name, name_en, bld, bld_en, floor, room, dirs, dirs_en, desc, desc_en, mins = d
            hint, hint_en = _HINTS.get(code, ("", ""))
            rows.append(
                (_department_id(code), code, name, name_en, desc, desc_en, hint, hint_en,
                 bld, bld_en, floor, room, dirs, dirs_en, mins or DEFAULT_MINUTES_PER_PATIENT,
                 sort)
            )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO departments (id, code, name, name_en, description, description_en, "
            "hint, hint_en, building, building_en, floor, room, directions, directions_en, "
            "minutes_per_patient, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def person_name(self, gender: str, rng: random.Random | None = None) -> tuple[str, str]:
        rng = rng or self.rng
        surname, surname_en = rng.choice(_SURNAMES)
        given, given_en = rng.choice(_MALE_GIVEN if gender == "male" else _FEMALE_GIVEN)
        return surname + given, f"{surname_en} {given_en}"

    def doctors(self) -> None:
        rows = []
        number = 1
        for d in _DEPARTMENTS:
            code = d[0]
            dep_id = _department_id(code)
            for index in range(_DOCTORS_PER_DEPARTMENT.get(code, 2)):
                gender = self.rng.choice(("male", "female"))
                name, name_en = self.person_name(gender)
                title, title_en, _ = _TITLES[0] if index == 0 else self.rng.choice(_TITLES[1:])
                doctor_id = f"doc-{number:03d}"
                number += 1
                rows.append((doctor_id, dep_id, name, name_en, title, title_en))
                self.doctors_by_dep.setdefault(dep_id, []).append(doctor_id)
        self.conn.executemany(
            "INSERT INTO doctors (id, department_id, name, name_en, title, title_en) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.doctor_rows = rows

    def sessions_for_week(self) -> None:
        fees = {title: fee for title, _, fee in _TITLES}
        rows = []
        for offset in range(7):
            day = self.today + dt.timedelta(days=offset)
            for doctor_id, dep_id, _, _, title, _ in self.doctor_rows:
                periods = (("morning", 8, 0, 12, 0), ("afternoon", 13, 30, 17, 0))
                for period, h1, m1, h2, m2 in periods:
                    if dep_id != _department_id("ER") and self.rng.random() < 0.3:
                        continue
                    start, end = self.at(day, h1, m1), self.at(day, h2, m2)
                    total = self.rng.choice((20, 24, 30, 40))
                    left = self.rng.randint(0, total)
                    session_id = f"ses-{day:%Y%m%d}-{doctor_id}-{period[0]}"
                    rows.append(
                        (session_id, doctor_id, dep_id, day.isoformat(), period,
                         to_db_time(start), to_db_time(end), total, left, fees[title])
                    )  # fmt: skip
                    self.sessions.append((session_id, doctor_id, start, end))
        self.conn.executemany(
            "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
            "starts_at, ends_at, slots_total, slots_left, fee_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # --- patients ---------------------------------------------------------------------------

    def unique(self, kind: str, make: str) -> bool:
        if make in self.used[kind]:
            return False
        self.used[kind].add(make)
        return True

    def resident_id(self, gender: str) -> tuple[str, dt.date]:
        while True:
            birth = dt.date(1935, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 88))
            birth = min(birth, self.today - dt.timedelta(days=200))
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            first17 = f"{self.rng.choice(_REGIONS)}{birth:%Y%m%d}{seq:03d}"
            value = _rid(first17)
            if is_valid_resident_id(value) and self.unique("id", value):
                return value, birth

    def random_digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def patients(self) -> None:
        rows = []
        for p in _FIXED:
            for kind, value in (
                ("id", p.id_number),
                ("phone", p.phone),
                ("si", p.insurance_card),
                ("hc", p.patient_card),
                ("qr", p.health_qr),
            ):
                assert self.unique(kind, value), value
            birth = dt.date(
                int(p.id_number[6:10]), int(p.id_number[10:12]), int(p.id_number[12:14])
            )
            rows.append(
                (p.patient_id, p.name, p.gender, birth.isoformat(), p.id_number, p.phone,
                 p.insurance_card, p.patient_card, p.health_qr)
            )  # fmt: skip
        specials = list(_SPECIAL_NAMES)
        fixed_ids = {p.patient_id for p in _FIXED}
        for number in range(_FIRST_RANDOM, PATIENT_COUNT + 1):
            if specials and number % 20 == 0:
                name, gender = specials.pop()
            else:
                gender = self.rng.choice(("male", "female"))
                name = self.person_name(gender)[0]
            id_number, birth = self.resident_id(gender)
            phone = ""
            while not phone or not self.unique("phone", phone):
                phone = self.rng.choice(_PHONE_PREFIXES) + self.random_digits(8)
            si = ""
            while not si or not self.unique("si", si):
                si = "SI" + id_number[:6] + self.random_digits(8)
            hc = ""
            while not hc or not self.unique("hc", hc):
                hc = "HC" + str(self.rng.randint(2, 9)) + self.random_digits(7)
            qr = ""
            while not qr or not self.unique("qr", qr):
                qr = f"EHC:{self.rng.getrandbits(96):024x}"
            if f"pat-{number:04d}" in fixed_ids:
                continue  # drawn, but replaced by the fixed patient
            rows.append(
                (f"pat-{number:04d}", name, gender, birth.isoformat(), id_number, phone,
                 si, hc, qr)
            )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO patients (id, name, gender, birth_date, id_number, phone, "
            "insurance_card, patient_card, health_qr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # --- appointments -----------------------------------------------------------------------

    def appointment(
        self,
        patient_id: str,
        doctor_id: str,
        starts_at: dt.datetime,
        *,
        status: str = "booked",
        session_id: str | None = None,
    ) -> str:
        appointment_id = f"apt-{self.next_appointment:05d}"
        self.next_appointment += 1
        insert_appointment(
            self.conn,
            appointment_id=appointment_id,
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            status=status,
            session_id=session_id,
        )
        return appointment_id

    def checked_in(
        self, patient_id: str, doctor_id: str, starts_at: dt.datetime, ticket_status: str
    ) -> None:
        appointment_id = self.appointment(patient_id, doctor_id, starts_at)
        issued_at = min(starts_at - dt.timedelta(minutes=self.rng.randint(5, 40)), self.now)
        self.to_check_in.append((issued_at, appointment_id, ticket_status))

    def doctor(self, code: str, index: int = 0) -> str:
        return self.doctors_by_dep[_department_id(code)][index]

    def scenario_appointments(self) -> None:
        fixed = {p.scenario: p.patient_id for p in _FIXED}
        tomorrow = self.today + dt.timedelta(days=1)
        in_three_days = self.today + dt.timedelta(days=3)
        # People already waiting in Internal Medicine so the demo ticket has some ahead of it.
        fillers = iter(f"pat-{n:04d}" for n in range(180, 200))
        self.checked_in(next(fillers), self.doctor("A", 1), self.today_at_offset(-20), "called")
        for minutes in (-10, 0, 10):
            self.checked_in(
                next(fillers), self.doctor("A"), self.today_at_offset(minutes), "waiting"
            )
        for minutes in (-5, 5):
            self.checked_in(
                next(fillers), self.doctor("B"), self.today_at_offset(minutes), "waiting"
            )

        self.appointment(fixed["one_in_window"], self.doctor("A"), self.today_at_offset(20))
        self.appointment(fixed["one_in_window"], self.doctor("M"), self.at(in_three_days, 9))
        self.appointment(fixed["two_today"], self.doctor("J"), self.today_at_offset(15))
        self.appointment(fixed["two_today"], self.doctor("E"), self.today_at_offset(40))
        self.appointment(fixed["too_early"], self.doctor("K"), self.today_at_offset(180))
        self.appointment(fixed["too_late"], self.doctor("H"), self.today_at_offset(-120))
        self.appointment(
            fixed["cancelled"], self.doctor("D"), self.today_at_offset(10), status="cancelled"
        )
        self.checked_in(
            fixed["already_checked_in"], self.doctor("B", 1), self.today_at_offset(10), "waiting"
        )
        self.appointment(fixed["rare_name"], self.doctor("F"), self.today_at_offset(25))
        self.appointment(fixed["middle_dot"], self.doctor("G"), self.today_at_offset(30))
        self.appointment(fixed["no_appointment_today"], self.doctor("L"), self.at(tomorrow, 9))

    def random_appointments(self) -> None:
        patients = [f"pat-{n:04d}" for n in range(_FIRST_RANDOM, 180)]
        for patient_id in patients:
            roll = self.rng.random()
            if roll < 0.25:
                # Today, relative to now: some in the window, some early, some late.
                dep = self.rng.choice([d[0] for d in _DEPARTMENTS if d[0] != "ER"])
                doctor_id = self.rng.choice(self.doctors_by_dep[_department_id(dep)])
                starts = self.today_at_offset(self.rng.randrange(-180, 300, 5))
                status = "cancelled" if self.rng.random() < 0.08 else "booked"
                self.appointment(patient_id, doctor_id, starts, status=status)
                if self.rng.random() < 0.15:  # a second one the same day
                    other = self.rng.choice(self.doctor_rows)[0]
                    self.appointment(patient_id, other, self.today_at_offset(60))
            elif roll < 0.85:
                session_id, doctor_id, start, end = self.rng.choice(self.sessions)
                slot = self.rng.randrange(0, int((end - start).total_seconds() // 900))
                starts = start + dt.timedelta(minutes=15 * slot)
                self.appointment(patient_id, doctor_id, starts, session_id=session_id)
            # else: no appointment this week

    # --- services beyond check-in -----------------------------------------------------------

    def general_clinic(self) -> None:
        """The free general clinic (fee 0): two doctors, three sessions a day. The first
        session of today that has not ended (else today's last) of its first doctor is full,
        so a registration there is refused with suggestions of later sessions."""
        rng = random.Random(SEED + 1)
        dep_id = _department_id(GENERAL_CLINIC)
        doctors = []
        for index in range(_GENERAL_CLINIC_DOCTORS):
            name, name_en = self.person_name(rng.choice(("male", "female")), rng)
            title, title_en, _ = _TITLES[2 + index % 2]
            doctor_id = f"doc-{len(self.doctor_rows) + index + 1:03d}"
            doctors.append((doctor_id, dep_id, name, name_en, title, title_en))
        self.conn.executemany(
            "INSERT INTO doctors (id, department_id, name, name_en, title, title_en) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            doctors,
        )
        self.doctors_by_dep[dep_id] += [d[0] for d in doctors]
        rows: list[list[object]] = []
        for offset in range(7):
            day = self.today + dt.timedelta(days=offset)
            for doctor_id, *_ in doctors:
                for period, h1, m1, h2, m2 in _GENERAL_CLINIC_PERIODS:
                    start, end = self.at(day, h1, m1), self.at(day, h2, m2)
                    total = 30
                    rows.append(
                        [f"ses-{day:%Y%m%d}-{doctor_id}-{period[0]}", doctor_id, dep_id,
                         day.isoformat(), period, to_db_time(start), to_db_time(end), total,
                         rng.randint(6, total), 0]
                    )  # fmt: skip
        first_doctor_today = [
            row for row in rows if row[1] == doctors[0][0] and row[3] == self.today.isoformat()
        ]
        unfinished = [row for row in first_doctor_today if self.now < _parse(str(row[6]))]
        (unfinished or first_doctor_today[-1:])[0][8] = 0
        self.conn.executemany(
            "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
            "starts_at, ends_at, slots_total, slots_left, fee_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def prices_and_places(self) -> None:
        self.conn.executemany(
            "INSERT INTO prices (code, name, name_en, category, unit, unit_en, price_cents, "
            "insurance_covered, sort, pinyin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, sort, _PINYIN[row[0]]) for sort, row in enumerate(_PRICES)],
        )
        self.conn.executemany(
            "INSERT INTO facilities (id, name, name_en, building, building_en, floor, room, "
            "sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, sort) for sort, row in enumerate(_FACILITIES)],
        )

    def bill(
        self,
        patient_id: str,
        code: str,
        title: str,
        title_en: str,
        created_at: dt.datetime,
        items: tuple[tuple[str, int], ...],
    ) -> None:
        bill_id = f"bill-{self.next_bill:04d}"
        self.next_bill += 1
        insurance = 0
        rows = []
        for seq, (item_code, quantity) in enumerate(items, start=1):
            _, name, name_en, category, unit, unit_en, price, covered = _PRICE_BY_CODE[item_code]
            amount = price * quantity
            if covered:
                insurance += amount * INSURANCE_SHARE_PERCENT // 100
            rows.append(
                (bill_id, seq, item_code, name, name_en, category, quantity, unit, unit_en,
                 price, amount)
            )  # fmt: skip
        self.conn.execute(
            "INSERT INTO bills (id, patient_id, department_id, title, title_en, status, "
            "insurance_cents, created_at) VALUES (?, ?, ?, ?, ?, 'unpaid', ?, ?)",
            (bill_id, patient_id, _department_id(code), title, title_en, insurance,
             to_db_time(created_at)),
        )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO bill_items (bill_id, seq, code, name, name_en, category, quantity, "
            "unit, unit_en, unit_price_cents, amount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            rows,
        )

    def bills(self) -> None:
        """Unpaid bills: the "unpaid_bills" scenario's two, and one or two for a dozen others."""
        rng = random.Random(SEED + 2)
        fixed = {p.scenario: p.patient_id for p in _FIXED}
        for code, title, title_en, minutes_ago, items in _SCENARIO_BILLS:
            created = self.now - dt.timedelta(minutes=minutes_ago)
            self.bill(fixed["unpaid_bills"], code, title, title_en, created, items)
        names = {d[0]: (d[1], d[2]) for d in _DEPARTMENTS}
        by_category: dict[str, list[str]] = {}
        for row in _PRICES:
            by_category.setdefault(row[3], []).append(row[0])
        patients = [f"pat-{n:04d}" for n in range(_FIRST_RANDOM, 180)]
        for patient_id in rng.sample(patients, 12):
            for _ in range(rng.randint(1, 2)):
                code = rng.choice([d[0] for d in _DEPARTMENTS if d[0] != "ER"])
                category = rng.choice(("drug", "lab", "imaging", "treatment"))
                chosen = rng.sample(by_category[category], rng.randint(1, 3))
                items = (("CON-01", 1), *((c, rng.randint(1, 2)) for c in chosen))
                name, name_en = names[code]
                created = self.now - dt.timedelta(minutes=rng.randint(10, 600))
                self.bill(
                    patient_id,
                    code,
                    f"{name} 门诊费用",
                    f"Outpatient charges, {name_en}",
                    created,
                    items,
                )

    def issue_seed_tickets(self) -> None:
        for issued_at, appointment_id, status in sorted(self.to_check_in):
            ticket_id = issue_ticket(self.conn, appointment_id, issued_at)
            if status != "waiting":
                self.conn.execute("UPDATE tickets SET status = ? WHERE id = ?", (status, ticket_id))


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def seed_demo(conn: sqlite3.Connection, now: dt.datetime) -> None:
    """Fill an empty database with the demo hospital (deterministic for a given ``now``).

    Also registers the demo kiosk ``demo-kiosk`` with the token ``demo-token``.
    """
    if now.tzinfo is None:
        now = now.astimezone()
    builder = _Builder(conn, now)
    with write_transaction(conn):
        builder.departments()
        builder.doctors()
        builder.sessions_for_week()
        builder.patients()
        builder.scenario_appointments()
        builder.random_appointments()
        builder.issue_seed_tickets()
        builder.general_clinic()
        builder.prices_and_places()
        builder.bills()
    add_kiosk(conn, DEMO_KIOSK_ID, DEMO_TOKEN, now=now)
