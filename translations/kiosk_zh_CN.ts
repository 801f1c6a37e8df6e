<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AppointmentCard</name>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Checked in</source>
        <translation>已签到</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已就诊</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>The queue position cannot be shown right now.</source>
        <translation>暂时无法显示排队进度。</translation>
    </message>
    <message>
        <source>Please go to {room} now</source>
        <translation>请到 {room} 就诊</translation>
    </message>
    <message>
        <source>Being seen in {room}</source>
        <translation>正在 {room} 就诊</translation>
    </message>
    <message>
        <source>Your visit in {room} is finished</source>
        <translation>已在 {room} 就诊完毕</translation>
    </message>
    <message>
        <source>Number {number} was called and missed: please ask at the service desk</source>
        <translation>{number}号 已过号，请到服务台重新排队</translation>
    </message>
    <message>
        <source>Number {number} is no longer in the queue</source>
        <translation>{number}号 已不在队列中</translation>
    </message>
    <message>
        <source>Number {number}: you are next</source>
        <translation>{number}号：下一位就是您</translation>
    </message>
    <message>
        <source>Number {number}: {ahead} people ahead, about {minutes} min</source>
        <translation>{number}号：前面还有 {ahead} 人，预计等待约 {minutes} 分钟</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消预约</translation>
    </message>
    <message>
        <source>Cancel this appointment</source>
        <translation>取消这个预约</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Show ticket</source>
        <translation>查看排队号</translation>
    </message>
    <message>
        <source>Check-in opens at {time}</source>
        <translation>{time} 起可签到</translation>
    </message>
    <message>
        <source>Ready to check in</source>
        <translation>现在可以签到</translation>
    </message>
</context>
<context>
    <name>BillsScreen</name>
    <message>
        <source>Unpaid bills of {name}</source>
        <translation>{name}的待缴费用</translation>
    </message>
    <message>
        <source>You have no unpaid bills.</source>
        <translation>您没有待缴费用。</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Included</source>
        <translation>本次缴纳</translation>
    </message>
    <message>
        <source>Not included</source>
        <translation>暂不缴纳</translation>
    </message>
    <message>
        <source>Pay {amount}</source>
        <translation>支付 {amount}</translation>
    </message>
    <message>
        <source>{count} of {total} bills selected</source>
        <translation>已选 {count}/{total} 张单据</translation>
    </message>
    <message>
        <source>Pay this bill: yes</source>
        <translation>缴纳此单：是</translation>
    </message>
    <message>
        <source>Pay this bill: no</source>
        <translation>缴纳此单：否</translation>
    </message>
</context>
<context>
    <name>BookedScreen</name>
    <message>
        <source>Your appointment is booked</source>
        <translation>预约成功</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>On {day}, check in at a kiosk from {opens} to {closes} to get your queue number.</source>
        <translation>请于{day} {opens}至{closes}在自助机签到取号。</translation>
    </message>
    <message>
        <source>The confirmation could not be printed. Your appointment is booked all the same; touch Print again, or note the time and place.</source>
        <translation>预约凭条未能打印，但预约已成功。请点“重新打印”，或记下时间和地点。</translation>
    </message>
    <message>
        <source>Please take your confirmation slip. To cancel, use My appointments before it starts: the fee is refunded.</source>
        <translation>请取走预约凭条。如需取消，请在就诊开始前到“我的预约”中取消，挂号费原路退回。</translation>
    </message>
    <message>
        <source>Print again</source>
        <translation>重新打印</translation>
    </message>
</context>
<context>
    <name>BusyOverlay</name>
    <message>
        <source>Please wait a moment…</source>
        <translation>请稍候……</translation>
    </message>
    <message>
        <source>Stop waiting</source>
        <translation>不再等待</translation>
    </message>
</context>
<context>
    <name>CancelScreen</name>
    <message>
        <source>This appointment has started, so it can no longer be cancelled here. Please ask at a service window.</source>
        <translation>该预约的就诊时段已开始，自助机上不能再取消。请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>You have checked in for this appointment, so it can no longer be cancelled here. Please ask at a service window.</source>
        <translation>该预约已签到，自助机上不能再取消。请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>This appointment is already cancelled. A fee you paid for it has been refunded.</source>
        <translation>该预约已取消，已付的挂号费已原路退回。</translation>
    </message>
    <message>
        <source>In this hospital, appointments are cancelled at a service window. Please ask there.</source>
        <translation>本院的预约需到服务窗口取消，请到窗口办理。</translation>
    </message>
    <message>
        <source>Cancel this appointment?</source>
        <translation>确定取消这个预约吗？</translation>
    </message>
    <message>
        <source>Its place is given to other patients. A registration fee you paid is refunded to where you paid it.</source>
        <translation>取消后号源将让给其他患者；已付的挂号费原路退回。</translation>
    </message>
    <message>
        <source>Touch Try again: it will not be cancelled or refunded twice. If it keeps failing, please ask at a service window.</source>
        <translation>请点“重试”：不会重复取消或重复退费。如仍失败，请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Cancel the appointment</source>
        <translation>确认取消预约</translation>
    </message>
    <message>
        <source>Keep it</source>
        <translation>不取消</translation>
    </message>
    <message>
        <source>Keep the appointment: back to my appointments</source>
        <translation>保留预约，返回我的预约</translation>
    </message>
</context>
<context>
    <name>Cancellation</name>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
</context>
<context>
    <name>CancelledScreen</name>
    <message>
        <source>the account that paid by scanning the QR code</source>
        <translation>扫码付款的账户</translation>
    </message>
    <message>
        <source>Your appointment is cancelled</source>
        <translation>预约已取消</translation>
    </message>
    <message>
        <source>{amount} is refunded to {destination}.</source>
        <translation>{amount} 已原路退回{destination}。</translation>
    </message>
    <message>
        <source>Refunds usually arrive within 1 to 3 working days.</source>
        <translation>退款一般在1至3个工作日内到账。</translation>
    </message>
    <message>
        <source>Receipt number: {number}</source>
        <translation>票据号：{number}</translation>
    </message>
    <message>
        <source>No fee was paid for it here, so there is nothing to refund.</source>
        <translation>该预约未在此缴费，无需退费。</translation>
    </message>
    <message>
        <source>Its place is free for other patients now.</source>
        <translation>号源已释放给其他患者。</translation>
    </message>
    <message>
        <source>My appointments</source>
        <translation>我的预约</translation>
    </message>
    <message>
        <source>Back to my appointments</source>
        <translation>返回我的预约</translation>
    </message>
</context>
<context>
    <name>ConfirmScreen</name>
    <message>
        <source>Please check and confirm</source>
        <translation>请核对并确认</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>挂号费</translation>
    </message>
    <message>
        <source>You pay the fee by QR code on the next screen; then your appointment confirmation is printed. Check in on the day to get your number.</source>
        <translation>下一步扫码缴纳挂号费，缴费后打印预约凭条。就诊当日签到取号。</translation>
    </message>
    <message>
        <source>Your appointment confirmation is printed at once. Check in on the day to get your number.</source>
        <translation>确认后立即打印预约凭条。就诊当日签到取号。</translation>
    </message>
    <message>
        <source>You pay the fee by QR code on the next screen; then you get your number.</source>
        <translation>下一步扫码支付挂号费，支付后即可取号。</translation>
    </message>
    <message>
        <source>Your queue number is printed at once.</source>
        <translation>确认后立即打印排队号。</translation>
    </message>
    <message>
        <source>Touch Try again: you will not be registered twice. If it keeps failing, please ask at a service window.</source>
        <translation>请点击“重试”，不会重复挂号。如仍然失败，请到服务窗口咨询。</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确认挂号</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>CountdownOverlay</name>
    <message>
        <source>Returning home in {seconds} s</source>
        <translation>{seconds} 秒后返回首页</translation>
    </message>
    <message>
        <source>Still there? Touch the screen anywhere to continue.</source>
        <translation>还在办理吗？触摸屏幕任意处即可继续。</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续办理</translation>
    </message>
    <message>
        <source>I need more time</source>
        <translation>我需要更多时间</translation>
    </message>
</context>
<context>
    <name>DemoCards</name>
    <message>
        <source>One appointment now</source>
        <translation>今日一个预约（可签到）</translation>
    </message>
    <message>
        <source>Two appointments today</source>
        <translation>今日两个预约</translation>
    </message>
    <message>
        <source>Too early</source>
        <translation>签到时间未到</translation>
    </message>
    <message>
        <source>Too late</source>
        <translation>签到已截止</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Already checked in</source>
        <translation>已签到过</translation>
    </message>
    <message>
        <source>Rare character name</source>
        <translation>生僻字姓名</translation>
    </message>
    <message>
        <source>Name with a middle dot</source>
        <translation>带间隔号的姓名</translation>
    </message>
    <message>
        <source>No appointment today</source>
        <translation>今日无预约</translation>
    </message>
    <message>
        <source>Two unpaid bills</source>
        <translation>两张待缴费单</translation>
    </message>
    <message>
        <source>Insurance e-voucher QR</source>
        <translation>医保电子凭证</translation>
    </message>
    <message>
        <source>First visit: no record</source>
        <translation>初次就诊：未建档</translation>
    </message>
</context>
<context>
    <name>DepartmentScreen</name>
    <message>
        <source>Doctors&apos; sessions in the next 7 days: touch one to register</source>
        <translation>未来7天出诊安排：点击时段即可挂号</translation>
    </message>
    <message>
        <source>Doctors&apos; sessions in the next 7 days</source>
        <translation>未来 7 天医生出诊安排</translation>
    </message>
    <message>
        <source>All departments</source>
        <translation>全部科室</translation>
    </message>
    <message>
        <source>Floor guide</source>
        <translation>楼层指引</translation>
    </message>
    <message>
        <source>No sessions</source>
        <translation>无出诊</translation>
    </message>
</context>
<context>
    <name>DepartmentsScreen</name>
    <message>
        <source>Which department do you need?</source>
        <translation>请选择就诊科室</translation>
    </message>
</context>
<context>
    <name>DeviceCards</name>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Paper nearly used up</source>
        <translation>纸将尽</translation>
    </message>
    <message>
        <source>Out of paper</source>
        <translation>缺纸</translation>
    </message>
    <message>
        <source>Cover open</source>
        <translation>上盖打开</translation>
    </message>
    <message>
        <source>Offline: not reachable</source>
        <translation>脱机：无法连接</translation>
    </message>
    <message>
        <source>Did not report its status</source>
        <translation>未报告状态</translation>
    </message>
    <message>
        <source>Not responding</source>
        <translation>读卡器无响应</translation>
    </message>
    <message>
        <source>Unavailable on this system</source>
        <translation>本机不可用</translation>
    </message>
    <message>
        <source>Could not be started</source>
        <translation>无法启动</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>No sound output</source>
        <translation>无声音输出</translation>
    </message>
    <message>
        <source>No speech engine</source>
        <translation>无语音引擎</translation>
    </message>
    <message>
        <source>Queue paused</source>
        <translation>打印队列已暂停</translation>
    </message>
    <message>
        <source>Queue not accepting jobs</source>
        <translation>打印队列拒收任务</translation>
    </message>
    <message>
        <source>No such print queue</source>
        <translation>找不到该打印队列</translation>
    </message>
    <message>
        <source>Print server not answering</source>
        <translation>打印服务器无响应</translation>
    </message>
    <message>
        <source>Few cards left</source>
        <translation>卡将用完</translation>
    </message>
    <message>
        <source>Out of cards</source>
        <translation>无卡</translation>
    </message>
    <message>
        <source>Card jammed</source>
        <translation>卡堵塞</translation>
    </message>
    <message>
        <source>A card waits at the gate</source>
        <translation>出卡口有卡未取</translation>
    </message>
    <message>
        <source>Offline: not answering</source>
        <translation>离线：无应答</translation>
    </message>
    <message>
        <source>Replace the {width} mm thermal paper roll.</source>
        <translation>请更换 {width} mm 热敏纸卷。</translation>
    </message>
    <message>
        <source>Load a new {width} mm thermal paper roll, then tap Status now.</source>
        <translation>请装入新的 {width} mm 热敏纸卷，然后点击“立即查询状态”。</translation>
    </message>
    <message>
        <source>Close the printer cover.</source>
        <translation>请合上打印机上盖。</translation>
    </message>
    <message>
        <source>Check the printer&apos;s power and its cable (USB or network), then tap Status now.</source>
        <translation>请检查打印机电源和连接线（USB 或网线），然后点击“立即查询状态”。</translation>
    </message>
    <message>
        <source>This connection cannot report a status: print a test page to check the printer.</source>
        <translation>此连接无法回报状态：请打印测试页检查打印机。</translation>
    </message>
    <message>
        <source>Check the USB cable and plug it in again.</source>
        <translation>请检查 USB 线并重新插拔。</translation>
    </message>
    <message>
        <source>Its driver or library is missing: see the last error, then check the setup.</source>
        <translation>缺少驱动或程序库：请查看最近的错误，再检查安装。</translation>
    </message>
    <message>
        <source>Check the reader&apos;s settings in the configuration and its cable, then restart the kiosk.</source>
        <translation>请检查配置中的读卡器设置和连接线，然后重启自助机。</translation>
    </message>
    <message>
        <source>Restart the kiosk to start the reader.</source>
        <translation>请重启自助机以启动读卡器。</translation>
    </message>
    <message>
        <source>Check the speaker cable and the system&apos;s sound output, then restart the kiosk.</source>
        <translation>请检查扬声器连接线和系统的声音输出，然后重启自助机。</translation>
    </message>
    <message>
        <source>Clear the A4 printer&apos;s fault (paper, toner, jam), then resume the queue (cupsenable).</source>
        <translation>排除 A4 打印机故障（缺纸、墨粉、卡纸），然后恢复打印队列（cupsenable）。</translation>
    </message>
    <message>
        <source>Let the queue accept jobs again (cupsaccept).</source>
        <translation>让打印队列重新接收任务（cupsaccept）。</translation>
    </message>
    <message>
        <source>Check [report_printer] name in the configuration against the CUPS queues.</source>
        <translation>核对配置中 [report_printer] 的 name 与 CUPS 打印队列名称是否一致。</translation>
    </message>
    <message>
        <source>Check that CUPS runs and [report_printer] server is right.</source>
        <translation>检查 CUPS 是否在运行，以及 [report_printer] 的 server 是否正确。</translation>
    </message>
    <message>
        <source>Install a speech engine with Chinese and English voices, then restart the kiosk.</source>
        <translation>请安装带中英文语音的语音引擎，然后重启自助机。</translation>
    </message>
    <message>
        <source>Refill the card stack soon.</source>
        <translation>请尽快补充卡片。</translation>
    </message>
    <message>
        <source>Refill the card stack, then tap Status now. New patients get their card number on the slip meanwhile.</source>
        <translation>请补充卡片，然后点“立即查询状态”。在此期间新患者凭凭条上的卡号就诊。</translation>
    </message>
    <message>
        <source>Open the dispenser, take out the jammed card, close it, then tap Status now.</source>
        <translation>请打开发卡机，取出堵塞的卡，关好后点“立即查询状态”。</translation>
    </message>
    <message>
        <source>Take the card from the gate; the next dispense captures it.</source>
        <translation>请取走出卡口的卡；下次发卡时会自动回收。</translation>
    </message>
    <message>
        <source>Check the dispenser&apos;s power and serial cable, and [card_dispenser] port.</source>
        <translation>请检查发卡机的电源和串口线，以及配置中的 [card_dispenser] port。</translation>
    </message>
    <message>
        <source>Tickets printed</source>
        <translation>已打印票据</translation>
    </message>
    <message>
        <source>Cuts</source>
        <translation>切纸次数</translation>
    </message>
    <message>
        <source>Paper near end</source>
        <translation>纸将尽次数</translation>
    </message>
    <message>
        <source>Failed jobs (jam, paper, cover)</source>
        <translation>打印失败（卡纸、缺纸、上盖）</translation>
    </message>
    <message>
        <source>Cards and codes read</source>
        <translation>读卡/扫码次数</translation>
    </message>
    <message>
        <source>Unrecognised input</source>
        <translation>无法识别次数</translation>
    </message>
    <message>
        <source>Cards dispensed</source>
        <translation>已发卡数</translation>
    </message>
    <message>
        <source>Cards not dispensed (empty, jam, offline)</source>
        <translation>发卡失败（无卡、卡堵塞、离线）</translation>
    </message>
    <message>
        <source>Printer ({driver})</source>
        <translation>打印机（{driver}）</translation>
    </message>
    <message>
        <source>Reader {name} ({driver})</source>
        <translation>读卡器 {name}（{driver}）</translation>
    </message>
    <message>
        <source>Sounds</source>
        <translation>提示音</translation>
    </message>
    <message>
        <source>Card dispenser ({driver})</source>
        <translation>发卡机（{driver}）</translation>
    </message>
    <message>
        <source>Speech</source>
        <translation>语音播报</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>身份证</translation>
    </message>
    <message>
        <source>insurance card</source>
        <translation>医保卡</translation>
    </message>
    <message>
        <source>insurance e-voucher QR</source>
        <translation>医保电子凭证</translation>
    </message>
    <message>
        <source>patient card</source>
        <translation>就诊卡</translation>
    </message>
    <message>
        <source>health code</source>
        <translation>电子健康码</translation>
    </message>
    <message>
        <source>phone number</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>too long</source>
        <translation>过长</translation>
    </message>
    <message>
        <source>wrong check digit</source>
        <translation>校验位错误</translation>
    </message>
    <message>
        <source>unknown format</source>
        <translation>格式未知</translation>
    </message>
    <message>
        <source>Not recognised: {reason}</source>
        <translation>无法识别：{reason}</translation>
    </message>
    <message>
        <source>Read: {kind} {value}</source>
        <translation>已读取：{kind} {value}</translation>
    </message>
    <message>
        <source>Since {time}</source>
        <translation>自 {time} 起</translation>
    </message>
    <message>
        <source>What to do: {advice}</source>
        <translation>处理方法：{advice}</translation>
    </message>
    <message>
        <source>Last error: {error}</source>
        <translation>最近的错误：{error}</translation>
    </message>
    <message>
        <source>{name}: {today} today, {total} in total</source>
        <translation>{name}：今天 {today}，累计 {total}</translation>
    </message>
</context>
<context>
    <name>DiagnosticsScreen</name>
    <message>
        <source>Diagnostics</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Touch test</source>
        <translation>触摸测试</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Backend and network</source>
        <translation>后台与网络</translation>
    </message>
    <message>
        <source>Heartbeat round trips in the last hour</source>
        <translation>最近一小时心跳往返时间</translation>
    </message>
    <message>
        <source>Check the backend now</source>
        <translation>立即检测后台</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Export a diagnostics bundle to:</source>
        <translation>导出诊断包到：</translation>
    </message>
    <message>
        <source>Restart the kiosk</source>
        <translation>重启自助机</translation>
    </message>
    <message>
        <source>Exit to the desktop</source>
        <translation>退出到桌面</translation>
    </message>
    <message>
        <source>Back to service</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <source>Test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <source>Cut</source>
        <translation>切纸测试</translation>
    </message>
    <message>
        <source>Status now</source>
        <translation>立即查询状态</translation>
    </message>
    <message>
        <source>Read a card now</source>
        <translation>立即读卡</translation>
    </message>
    <message>
        <source>Play the sounds</source>
        <translation>播放提示音</translation>
    </message>
    <message>
        <source>Speak Chinese</source>
        <translation>中文语音测试</translation>
    </message>
    <message>
        <source>Speak English</source>
        <translation>英文语音测试</translation>
    </message>
</context>
<context>
    <name>DirectoryScreen</name>
    <message>
        <source>Departments: touch one for where it is and who works when</source>
        <translation>科室导航：点击科室查看位置和出诊医生</translation>
    </message>
    <message>
        <source>Floor guide</source>
        <translation>楼层指引</translation>
    </message>
    <message>
        <source>Floor guide: what is on each floor</source>
        <translation>楼层指引：各楼层分布</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>价格查询</translation>
    </message>
    <message>
        <source>Price list: search prices of tests, drugs, care</source>
        <translation>价格查询：检查、药品、治疗收费</translation>
    </message>
</context>
<context>
    <name>FeedbackScreen</name>
    <message>
        <source>How was your visit today?</source>
        <translation>您对今天的就诊满意吗？</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>很不满意</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>What was it about? (optional)</source>
        <translation>主要是哪方面？（可不选）</translation>
    </message>
    <message>
        <source>Waiting time</source>
        <translation>等候时间</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>服务态度</translation>
    </message>
    <message>
        <source>Cleanliness</source>
        <translation>环境卫生</translation>
    </message>
    <message>
        <source>Finding the way</source>
        <translation>指引标识</translation>
    </message>
    <message>
        <source>This machine</source>
        <translation>自助机</translation>
    </message>
    <message>
        <source>Prices</source>
        <translation>收费价格</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>提交</translation>
    </message>
</context>
<context>
    <name>FirstVisitCodeScreen</name>
    <message>
        <source>Type the code from the text message</source>
        <translation>请输入短信验证码</translation>
    </message>
    <message>
        <source>Sent to {phone}</source>
        <translation>已发送至 {phone}</translation>
    </message>
    <message>
        <source>The code is good for 5 minutes.</source>
        <translation>验证码5分钟内有效。</translation>
    </message>
    <message>
        <source>The 6-digit code:</source>
        <translation>6位验证码：</translation>
    </message>
    <message>
        <source>Send a new code</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <source>No message? You can ask for a new code after {seconds} seconds.</source>
        <translation>没收到短信？{seconds}秒后可重新发送。</translation>
    </message>
    <message>
        <source>Change the number</source>
        <translation>更换手机号</translation>
    </message>
    <message>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>The code is wrong. {count} tries left.</source>
        <translation>验证码错误，还可以试{count}次。</translation>
    </message>
    <message>
        <source>This code can no longer be used. Please ask for a new code.</source>
        <translation>此验证码已失效，请重新发送。</translation>
    </message>
    <message>
        <source>A code was sent moments ago. Please wait for the message.</source>
        <translation>验证码刚刚已发送，请留意短信。</translation>
    </message>
    <message>
        <source>We are not sure your record was made. Press Confirm again: nothing will be made twice.</source>
        <translation>暂不确定是否已建档。请再按“确认”，不会重复建档。</translation>
    </message>
    <message>
        <source>Type the 6-digit code from the text message, then press Confirm.</source>
        <translation>请输入短信中的6位验证码，然后按“确认”。</translation>
    </message>
</context>
<context>
    <name>FirstVisitDoneScreen</name>
    <message>
        <source>service window {window}</source>
        <translation>{window}号人工窗口</translation>
    </message>
    <message>
        <source>You already have a record here. Your ID card identifies you.</source>
        <translation>您在本院已有档案，已凭身份证识别您的身份。</translation>
    </message>
    <message>
        <source>Your record is made.</source>
        <translation>建档成功。</translation>
    </message>
    <message>
        <source>Your patient card number</source>
        <translation>您的就诊卡号</translation>
    </message>
    <message>
        <source>Printing your slip with the card number…</source>
        <translation>正在打印卡号凭条…</translation>
    </message>
    <message>
        <source>Please take your slip from the printer below.</source>
        <translation>请从下方出纸口取走凭条。</translation>
    </message>
    <message>
        <source>The slip could not be printed. Please note your card number, or touch Print again.</source>
        <translation>凭条未能打印。请记下您的就诊卡号，或点“重新打印”。</translation>
    </message>
    <message>
        <source>You can register for a doctor today now.</source>
        <translation>现在就可以挂今天的号。</translation>
    </message>
    <message>
        <source>Print again</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Register now</source>
        <translation>立即挂号</translation>
    </message>
    <message>
        <source>Collect your patient card at {window} with this number.</source>
        <translation>请凭此卡号到{window}领取就诊卡。</translation>
    </message>
    <message>
        <source>Your patient card is coming out of the card slot…</source>
        <translation>就诊卡正在从出卡口送出…</translation>
    </message>
    <message>
        <source>Please take your patient card from the card slot.</source>
        <translation>请从出卡口取走您的就诊卡。</translation>
    </message>
    <message>
        <source>The kiosk has run out of cards.</source>
        <translation>本机就诊卡已发完。</translation>
    </message>
    <message>
        <source>The card dispenser is jammed.</source>
        <translation>发卡机卡住了。</translation>
    </message>
    <message>
        <source>The card dispenser is not working.</source>
        <translation>发卡机暂时无法使用。</translation>
    </message>
    <message>
        <source>{reason} Your record is made: {window} gives you the card with this number.</source>
        <translation>{reason}您已建档成功，请凭此卡号到{window}领取就诊卡。</translation>
    </message>
</context>
<context>
    <name>FirstVisitFormScreen</name>
    <message>
        <source>Make a record and a patient card</source>
        <translation>建档办卡</translation>
    </message>
    <message>
        <source>Your ID card says (please check it is yours):</source>
        <translation>身份证信息（请核对是否本人）：</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Born</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>住址</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Type your mobile number; we send a 6-digit code to it by text message:</source>
        <translation>请输入手机号，我们将发送6位短信验证码：</translation>
    </message>
    <message>
        <source>This is not a mobile number. It has 11 digits and starts with 1.</source>
        <translation>这不是手机号。手机号为11位，以1开头。</translation>
    </message>
    <message>
        <source>Send the code</source>
        <translation>发送验证码</translation>
    </message>
    <message>
        <source>Check that the card&apos;s details are yours, type your mobile number, then press Send the code.</source>
        <translation>请核对身份证信息是否本人，输入手机号，然后按“发送验证码”。</translation>
    </message>
</context>
<context>
    <name>FloorGuideScreen</name>
    <message>
        <source>Floor guide</source>
        <translation>楼层指引</translation>
    </message>
    <message>
        <source>Touch a department for where it is and who works when.</source>
        <translation>点击科室查看位置和医生排班。</translation>
    </message>
    <message>
        <source>All departments</source>
        <translation>全部科室</translation>
    </message>
</context>
<context>
    <name>Floors</name>
    <message>
        <source>Floor {floor}</source>
        <translation>{floor}楼</translation>
    </message>
    <message>
        <source>Room {room}</source>
        <translation>{room}室</translation>
    </message>
</context>
<context>
    <name>HeaderBar</name>
    <message>
        <source>Repeat</source>
        <translation>再听一遍</translation>
    </message>
    <message>
        <source>Repeat the spoken instruction</source>
        <translation>重复语音提示</translation>
    </message>
    <message>
        <source>Sound off</source>
        <translation>声音已关</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <source>Switch the voice off or on</source>
        <translation>打开或关闭语音</translation>
    </message>
    <message>
        <source>Volume {level}</source>
        <translation>音量 {level}</translation>
    </message>
    <message>
        <source>Change the volume</source>
        <translation>调节音量</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>呼叫工作人员</translation>
    </message>
    <message>
        <source>Call a member of staff to this kiosk</source>
        <translation>呼叫工作人员到这台自助机</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <source>Welcome. Place your card on the reader below the screen, or show your code to the scanner, or choose a service. Use the arrow keys and Enter if you cannot see the screen.</source>
        <translation>欢迎。请将卡片放置在屏幕下方的读卡区，或将二维码对准扫码口，或选择服务。看不清屏幕时，可用方向键和确认键操作。</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>Place your card on the reader</source>
        <translation>请将卡片放置在读卡区</translation>
    </message>
    <message>
        <source>ID card, medical insurance card or hospital card</source>
        <translation>身份证、医保卡、就诊卡均可</translation>
    </message>
    <message>
        <source>Or show your e-health card or medical insurance e-voucher QR code</source>
        <translation>或出示电子健康卡、医保电子凭证二维码</translation>
    </message>
    <message>
        <source>No card? Choose a service:</source>
        <translation>没有卡片？请选择服务：</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>大字模式</translation>
    </message>
</context>
<context>
    <name>IdentifyScreen</name>
    <message>
        <source>Place your card, show your code, or type your number</source>
        <translation>请放置卡片、出示二维码或输入号码</translation>
    </message>
    <message>
        <source>Place your ID card, medical insurance card or hospital card on the reader</source>
        <translation>将身份证、医保卡或就诊卡放置在读卡区</translation>
    </message>
    <message>
        <source>Show the QR code of your e-health card or medical insurance e-voucher to the scanner</source>
        <translation>将电子健康卡或医保电子凭证二维码对准扫码口</translation>
    </message>
    <message>
        <source>Or type your resident ID or mobile number:</source>
        <translation>或在下方输入身份证号或手机号：</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Confirm the number</source>
        <translation>确认号码</translation>
    </message>
    <message>
        <source>Place your card on the reader, show your code to the scanner, or type your ID number or mobile number, then press OK.</source>
        <translation>请将卡片放置在读卡区，或将二维码对准扫码口，或输入身份证号或手机号，然后按确定。</translation>
    </message>
    <message>
        <source>Demo cards (stand in for the card reader):</source>
        <translation>演示卡片（代替读卡器）：</translation>
    </message>
</context>
<context>
    <name>Insurance</name>
    <message>
        <source>Insurance fund pays</source>
        <translation>统筹支付</translation>
    </message>
    <message>
        <source>Personal account pays</source>
        <translation>个人账户支付</translation>
    </message>
    <message>
        <source>You pay</source>
        <translation>个人自付</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Hold to show</source>
        <translation>按住显示</translation>
    </message>
    <message>
        <source>Hold to show the whole number</source>
        <translation>按住显示完整号码</translation>
    </message>
    <message>
        <source>Delete last digit</source>
        <translation>删除最后一位</translation>
    </message>
    <message>
        <source>Number typed so far</source>
        <translation>已输入的号码</translation>
    </message>
</context>
<context>
    <name>LetterKeyboard</name>
    <message>
        <source>Delete last letter</source>
        <translation>删除最后一个字母</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Clear all letters</source>
        <translation>清空全部字母</translation>
    </message>
</context>
<context>
    <name>Navigation</name>
    <message>
        <source>Home</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <source>Return to the home screen</source>
        <translation>返回首页</translation>
    </message>
</context>
<context>
    <name>NoticeScreen</name>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Back to my appointments</source>
        <translation>返回我的预约</translation>
    </message>
    <message>
        <source>Pay bills now</source>
        <translation>先去缴费</translation>
    </message>
    <message>
        <source>Make a record</source>
        <translation>建档办卡</translation>
    </message>
    <message>
        <source>Where: {place}</source>
        <translation>就诊地点：{place}</translation>
    </message>
    <message>
        <source>Meanwhile you can pay your bills here, or come back to the kiosk then.</source>
        <translation>您可以先在这里缴费，到时间再来签到。</translation>
    </message>
</context>
<context>
    <name>Notices</name>
    <message>
        <source>Please go to service window {window} for help.</source>
        <translation>请到 {window} 号服务窗口咨询办理。</translation>
    </message>
    <message>
        <source>Please try again, or choose another way to identify yourself.</source>
        <translation>请重试，或换一种方式识别身份。</translation>
    </message>
    <message>
        <source>No record yet</source>
        <translation>您还没有建档</translation>
    </message>
    <message>
        <source>This ID card has no patient record at this hospital yet.</source>
        <translation>此身份证在本院还没有就诊档案。</translation>
    </message>
    <message>
        <source>You can make a record and get a patient card here now; it takes a mobile phone for a text message code.</source>
        <translation>您可以现在在本机建档办卡，需要用手机接收短信验证码。</translation>
    </message>
    <message>
        <source>We could not find you</source>
        <translation>未找到您的信息</translation>
    </message>
    <message>
        <source>No patient record matches this card or number.</source>
        <translation>没有与此卡或号码对应的患者档案。</translation>
    </message>
    <message>
        <source>Please check the number</source>
        <translation>请核对号码</translation>
    </message>
    <message>
        <source>This is not a valid resident ID number. It has 18 characters; the last may be X.</source>
        <translation>这不是有效的身份证号码。身份证号共 18 位，最后一位可能是 X。</translation>
    </message>
    <message>
        <source>This is not a mobile phone number.</source>
        <translation>这不是有效的手机号码。</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>无法读取卡片</translation>
    </message>
    <message>
        <source>The card or code was not recognised.</source>
        <translation>未能识别该卡片或二维码。</translation>
    </message>
    <message>
        <source>Please place it on the reader again, or type your ID number.</source>
        <translation>请重新放置卡片或出示二维码，或输入身份证号。</translation>
    </message>
    <message>
        <source>No appointment today</source>
        <translation>今日无预约</translation>
    </message>
    <message>
        <source>You have no appointment for today.</source>
        <translation>您今天没有预约。</translation>
    </message>
    <message>
        <source>You can register for a visit today with “Register” on the home screen, or at service window {window}.</source>
        <translation>您可以在首页点击“当日挂号”，或到 {window} 号服务窗口挂号。</translation>
    </message>
    <message>
        <source>Check-in for this appointment opens at {time}.</source>
        <translation>此预约 {time} 起可签到。</translation>
    </message>
    <message>
        <source>Check-in for this appointment has not opened yet.</source>
        <translation>此预约的签到时间还未开始。</translation>
    </message>
    <message>
        <source>Too early to check in</source>
        <translation>签到时间未到</translation>
    </message>
    <message>
        <source>Please come back to the kiosk then.</source>
        <translation>请届时再来自助机签到。</translation>
    </message>
    <message>
        <source>Check-in has closed</source>
        <translation>签到已截止</translation>
    </message>
    <message>
        <source>The check-in time for this appointment has passed.</source>
        <translation>此预约的签到时间已过。</translation>
    </message>
    <message>
        <source>Appointment cancelled</source>
        <translation>预约已取消</translation>
    </message>
    <message>
        <source>This appointment has been cancelled.</source>
        <translation>此预约已被取消。</translation>
    </message>
    <message>
        <source>The hospital system is slow</source>
        <translation>医院系统响应缓慢</translation>
    </message>
    <message>
        <source>The hospital system did not answer in time. Nothing was changed.</source>
        <translation>医院系统未能及时响应，您的信息没有任何变更。</translation>
    </message>
    <message>
        <source>Please try again in a moment.</source>
        <translation>请稍后再试。</translation>
    </message>
    <message>
        <source>The ticket could not be printed</source>
        <translation>无法打印凭条</translation>
    </message>
    <message>
        <source>Your check-in is done, but the printer is not working.</source>
        <translation>您已签到成功，但打印机暂时无法使用。</translation>
    </message>
    <message>
        <source>These bills cannot be paid right now</source>
        <translation>这些费用暂时无法支付</translation>
    </message>
    <message>
        <source>A payment for them is already in progress, or they were just paid. Nothing was charged now.</source>
        <translation>这些费用正在支付中或刚刚已支付，本次未扣费。</translation>
    </message>
    <message>
        <source>Please try again in 5 minutes.</source>
        <translation>请 5 分钟后再试。</translation>
    </message>
    <message>
        <source>This session has ended</source>
        <translation>该时段已结束</translation>
    </message>
    <message>
        <source>The doctor&apos;s session is over, so it cannot be booked any more.</source>
        <translation>医生的该时段已结束，无法再挂号。</translation>
    </message>
    <message>
        <source>Please choose another session.</source>
        <translation>请选择其他时段。</translation>
    </message>
    <message>
        <source>No places left</source>
        <translation>号源已满</translation>
    </message>
    <message>
        <source>This session is full and the department has no free places soon.</source>
        <translation>该时段已满，本科室近期也没有空余号源。</translation>
    </message>
    <message>
        <source>Please wait a moment</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <source>This kiosk has looked up many patients in a short time and is pausing briefly.</source>
        <translation>本机短时间内查询次数较多，需要稍作暂停。</translation>
    </message>
    <message>
        <source>Please try again in a minute.</source>
        <translation>请一分钟后再试。</translation>
    </message>
    <message>
        <source>The insurance code has expired</source>
        <translation>医保码已过期</translation>
    </message>
    <message>
        <source>Your medical insurance e-voucher QR code is no longer valid.</source>
        <translation>您的医保电子凭证二维码已失效。</translation>
    </message>
    <message>
        <source>Please refresh the code in your app and show it to the scanner again.</source>
        <translation>请在手机应用中刷新二维码后，再次对准扫码口。</translation>
    </message>
    <message>
        <source>The insurance code was not accepted</source>
        <translation>医保码无法识别</translation>
    </message>
    <message>
        <source>The medical insurance platform did not recognise this QR code.</source>
        <translation>医保平台未能识别此二维码。</translation>
    </message>
    <message>
        <source>The kiosk cannot reach the hospital system right now.</source>
        <translation>自助机暂时无法连接医院系统。</translation>
    </message>
    <message>
        <source>The hospital system could not complete your request.</source>
        <translation>医院系统未能完成您的请求。</translation>
    </message>
    <message>
        <source>Sorry, something went wrong</source>
        <translation>抱歉，出现了问题</translation>
    </message>
</context>
<context>
    <name>OutOfOrderScreen</name>
    <message>
        <source>Out of order</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <source>Sorry, this kiosk has a problem and cannot help you now.</source>
        <translation>抱歉，本机出现故障，暂时无法为您服务。</translation>
    </message>
    <message>
        <source>Please go to service window {window}.</source>
        <translation>请到 {window} 号服务窗口办理。</translation>
    </message>
</context>
<context>
    <name>Payment</name>
    <message>
        <source>WeChat Pay</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>Alipay</source>
        <translation>支付宝</translation>
    </message>
    <message>
        <source>UnionPay</source>
        <translation>云闪付</translation>
    </message>
</context>
<context>
    <name>PaymentCodeScreen</name>
    <message>
        <source>Time left to pay: {time}</source>
        <translation>剩余支付时间 {time}</translation>
    </message>
    <message>
        <source>Pay with your payment code</source>
        <translation>请出示付款码</translation>
    </message>
    <message>
        <source>1. Open the payment code in one of these apps:</source>
        <translation>1. 打开以下任一应用的付款码：</translation>
    </message>
    <message>
        <source>2. Hold your phone&apos;s screen under the scanner below this screen.</source>
        <translation>2. 将手机屏幕对准屏幕下方的扫码口</translation>
    </message>
    <message>
        <source>Please confirm the payment on your phone</source>
        <translation>请在手机上确认支付</translation>
    </message>
    <message>
        <source>{app} asks you to confirm this payment.</source>
        <translation>{app}需要您确认本次支付。</translation>
    </message>
    <message>
        <source>Enter your password in the app. This screen changes by itself.</source>
        <translation>请在应用中输入支付密码。
本页面会自动更新。</translation>
    </message>
    <message>
        <source>That was not a payment code. In WeChat, Alipay or UnionPay open the payment code and show it again. Nothing was charged.</source>
        <translation>这不是付款码。请打开微信、支付宝或云闪付的付款码后重新出示。未扣费。</translation>
    </message>
    <message>
        <source>Cancel payment</source>
        <translation>取消支付</translation>
    </message>
    <message>
        <source>Scan a QR code instead</source>
        <translation>改用扫码支付</translation>
    </message>
    <message>
        <source>Demo: a phone at the scanner</source>
        <translation>演示：把手机放到扫码口</translation>
    </message>
    <message>
        <source>WeChat: paid</source>
        <translation>微信，支付成功</translation>
    </message>
    <message>
        <source>Alipay: declined</source>
        <translation>支付宝，被拒绝</translation>
    </message>
    <message>
        <source>UnionPay: confirm on phone</source>
        <translation>云闪付，需手机确认</translation>
    </message>
    <message>
        <source>Not a payment code</source>
        <translation>不是付款码</translation>
    </message>
</context>
<context>
    <name>PaymentQrScreen</name>
    <message>
        <source>This code is valid for {time}</source>
        <translation>二维码有效时间 {time}</translation>
    </message>
    <message>
        <source>Scan the code with your phone to pay</source>
        <translation>请用手机扫码支付</translation>
    </message>
    <message>
        <source>Open one of these apps and use its scanner:</source>
        <translation>打开以下任一应用，使用“扫一扫”：</translation>
    </message>
    <message>
        <source>Keep this screen open until the kiosk says the payment is done.</source>
        <translation>支付完成前请勿离开本页面。</translation>
    </message>
    <message>
        <source>Show my payment code instead</source>
        <translation>出示付款码支付</translation>
    </message>
    <message>
        <source>Cancel payment</source>
        <translation>取消支付</translation>
    </message>
</context>
<context>
    <name>PaymentResultScreen</name>
    <message>
        <source>Your medicine pickup number</source>
        <translation>取药号</translation>
    </message>
    <message>
        <source>{window}, {place}</source>
        <translation>{window}，{place}</translation>
    </message>
    <message>
        <source>For your blood test, please go to {place}:</source>
        <translation>抽血请到{place}：</translation>
    </message>
    <message>
        <source>Paid {amount} · receipt {number}</source>
        <translation>已支付 {amount} · 收据号 {number}</translation>
    </message>
    <message>
        <source>Insurance fund paid {amount}</source>
        <translation>统筹支付 {amount}</translation>
    </message>
    <message>
        <source>Personal account paid {amount}</source>
        <translation>个人账户支付 {amount}</translation>
    </message>
    <message>
        <source>Medicine pickup number {number}: {window}, {place}</source>
        <translation>取药号 {number}：{place} {window}</translation>
    </message>
    <message>
        <source>Queue number {number}: {department}</source>
        <translation>排队号 {number}：{department}</translation>
    </message>
    <message>
        <source>Appointment booked: {department}, {time}. Check in on the day from {opens}.</source>
        <translation>预约成功：{department}，{time}。请于当日 {opens} 起签到。</translation>
    </message>
    <message>
        <source>If you need help, please go to service window {window}.</source>
        <translation>如需帮助，请到 {window} 号服务窗口。</translation>
    </message>
    <message>
        <source>Nothing was charged.</source>
        <translation>未扣费。</translation>
    </message>
    <message>
        <source>The code was not paid within {minutes} minutes.</source>
        <translation>二维码 {minutes} 分钟内未支付。</translation>
    </message>
    <message>
        <source>Payment complete</source>
        <translation>支付成功</translation>
    </message>
    <message>
        <source>Thank you. Please take your receipt from the printer below.</source>
        <translation>谢谢。请在下方出纸口取走收据。</translation>
    </message>
    <message>
        <source>The payment was declined</source>
        <translation>支付未完成</translation>
    </message>
    <message>
        <source>Your payment app declined the payment.</source>
        <translation>支付应用拒绝了本次支付。</translation>
    </message>
    <message>
        <source>The payment was not completed on the phone.</source>
        <translation>手机上未完成支付。</translation>
    </message>
    <message>
        <source>The payment code has expired</source>
        <translation>支付二维码已过期</translation>
    </message>
    <message>
        <source>The payment was cancelled</source>
        <translation>支付已取消</translation>
    </message>
    <message>
        <source>We could not confirm the payment</source>
        <translation>暂时无法确认支付结果</translation>
    </message>
    <message>
        <source>The payment was not confirmed in time. If you paid, your receipt is printed here; if not, nothing is charged. You are never charged twice.</source>
        <translation>支付未能及时确认。如已付款，收据将在此打印；如未付款，不会扣费。绝不会重复扣费。</translation>
    </message>
    <message>
        <source>The hospital system did not answer. If you paid, your receipt is printed here as soon as it answers; you are never charged twice.</source>
        <translation>医院系统暂无响应。如您已支付，系统恢复后将在本机打印收据，不会重复扣费。</translation>
    </message>
    <message>
        <source>Scan for your electronic receipt</source>
        <translation>扫码查看电子票据</translation>
    </message>
    <message>
        <source>The receipt could not be printed. Touch “Print again” or ask at the window.</source>
        <translation>收据未能打印。请点击“重新打印”或到窗口咨询。</translation>
    </message>
    <message>
        <source>Print again</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>PaymentSummary</name>
    <message>
        <source>Patient: {name}</source>
        <translation>就诊人：{name}</translation>
    </message>
    <message>
        <source>1 bill</source>
        <translation>1 张单据</translation>
    </message>
    <message>
        <source>{count} bills</source>
        <translation>{count} 张单据</translation>
    </message>
    <message>
        <source>Amount to pay</source>
        <translation>应付金额</translation>
    </message>
</context>
<context>
    <name>PinScreen</name>
    <message>
        <source>Technician PIN</source>
        <translation>维护密码</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>PriceListScreen</name>
    <message>
        <source>Choose a category, or type the first letters of the pinyin.</source>
        <translation>请选择类别，或输入拼音首字母查询。</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>价格查询</translation>
    </message>
    <message>
        <source>Type pinyin initials, e.g. AMXL</source>
        <translation>输入拼音首字母，如 AMXL</translation>
    </message>
    <message>
        <source>All departments</source>
        <translation>全部科室</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在查询……</translation>
    </message>
    <message>
        <source>{count} items</source>
        <translation>共 {count} 项</translation>
    </message>
    <message>
        <source>1 item</source>
        <translation>共 1 项</translation>
    </message>
    <message>
        <source>No matching items</source>
        <translation>没有找到相关项目</translation>
    </message>
    <message>
        <source>per {unit}</source>
        <translation>每{unit}</translation>
    </message>
    <message>
        <source>Insurance</source>
        <translation>医保</translation>
    </message>
    <message>
        <source>Covered by medical insurance</source>
        <translation>医保可报销</translation>
    </message>
</context>
<context>
    <name>Prices</name>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Registration</source>
        <translation>挂号</translation>
    </message>
    <message>
        <source>Consultation</source>
        <translation>诊查</translation>
    </message>
    <message>
        <source>Lab tests</source>
        <translation>检验</translation>
    </message>
    <message>
        <source>Imaging</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Drugs</source>
        <translation>药品</translation>
    </message>
    <message>
        <source>Treatment</source>
        <translation>治疗</translation>
    </message>
    <message>
        <source>Materials</source>
        <translation>材料</translation>
    </message>
</context>
<context>
    <name>ReceiptConfirmScreen</name>
    <message>
        <source>Receipt {number}</source>
        <translation>票据 {number}</translation>
    </message>
    <message>
        <source>Printing a copy of your receipt… Please wait by the printer.</source>
        <translation>正在补打票据……请在打印机旁稍候。</translation>
    </message>
    <message>
        <source>Printed. Please take the copy, marked “补打 / COPY”, from the ticket printer.</source>
        <translation>已打印。请从凭条打印机取走标有“补打 / COPY”的票据。</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Personal account</source>
        <translation>个人账户支付</translation>
    </message>
    <message>
        <source>You paid</source>
        <translation>个人自付</translation>
    </message>
    <message>
        <source>Insurance fund</source>
        <translation>医保统筹支付</translation>
    </message>
    <message>
        <source>Reprint {number} of this receipt. {left}</source>
        <translation>第{number}次补打。{left}</translation>
    </message>
    <message>
        <source>All receipts</source>
        <translation>全部票据</translation>
    </message>
    <message>
        <source>Back to all your receipts</source>
        <translation>返回全部票据</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Print a copy</source>
        <translation>补打票据</translation>
    </message>
    <message>
        <source>Print a copy of this receipt</source>
        <translation>补打这张票据</translation>
    </message>
</context>
<context>
    <name>Receipts</name>
    <message>
        <source>{items} and {more} more</source>
        <translation>{items}等{total}项</translation>
    </message>
    <message>
        <source>Paid {date} {time}</source>
        <translation>缴费时间 {date} {time}</translation>
    </message>
    <message>
        <source>No free reprint left</source>
        <translation>免费补打次数已用完</translation>
    </message>
    <message>
        <source>Free reprints left: {count}</source>
        <translation>还可免费补打{count}次</translation>
    </message>
    <message>
        <source>The printer is out of paper.</source>
        <translation>打印机缺纸。</translation>
    </message>
    <message>
        <source>The printer cover is open.</source>
        <translation>打印机盖未关好。</translation>
    </message>
    <message>
        <source>The printer is not working.</source>
        <translation>打印机暂时无法使用。</translation>
    </message>
    <message>
        <source>This receipt has been reprinted as often as the kiosks may. Please ask at cashier window {window} for another copy.</source>
        <translation>这张票据在自助机上的补打次数已用完。如需再打，请到{window}号收费窗口办理。</translation>
    </message>
    <message>
        <source>That receipt can no longer be reprinted here. Please ask at cashier window {window}.</source>
        <translation>这张票据已不能在自助机上补打，请到{window}号收费窗口办理。</translation>
    </message>
    <message>
        <source>Nothing more was counted: touch “Try again” once it is fixed, or ask at cashier window {window}.</source>
        <translation>本次未多计补打次数：故障排除后请点“重试”，或到{window}号收费窗口办理。</translation>
    </message>
</context>
<context>
    <name>ReceiptsScreen</name>
    <message>
        <source>Reprint a receipt</source>
        <translation>票据补打</translation>
    </message>
    <message>
        <source>Your payments of the last {days} days. Choose one to print it again.</source>
        <translation>近{days}天的缴费记录。请选择要补打的票据。</translation>
    </message>
    <message>
        <source>You have no payments in the last {days} days. For an older receipt, please ask at cashier window {window}.</source>
        <translation>近{days}天没有缴费记录。更早的票据请到{window}号收费窗口补打。</translation>
    </message>
    <message>
        <source>{amount} paid · {date}</source>
        <translation>实付 {amount} · {date}</translation>
    </message>
    <message>
        <source>Receipt {number} · {paid} · {reprints}</source>
        <translation>票据号 {number} · {paid} · {reprints}</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>补打</translation>
    </message>
    <message>
        <source>Reprint receipt {number}</source>
        <translation>补打票据 {number}</translation>
    </message>
</context>
<context>
    <name>Registration</name>
    <message>
        <source>Morning</source>
        <translation>上午</translation>
    </message>
    <message>
        <source>Afternoon</source>
        <translation>下午</translation>
    </message>
    <message>
        <source>Evening</source>
        <translation>夜间</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>免费</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Full</source>
        <translation>已满</translation>
    </message>
    <message>
        <source>{count} places left</source>
        <translation>余号 {count}</translation>
    </message>
    <message>
        <source>Specialist</source>
        <translation>专家号</translation>
    </message>
    <message>
        <source>General</source>
        <translation>普通号</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Home</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <source>Return to the home screen</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
</context>
<context>
    <name>ReportPreviewScreen</name>
    <message>
        <source>Printing your report… Please wait by the printer.</source>
        <translation>正在打印报告……请在打印机旁稍候。</translation>
    </message>
    <message>
        <source>Printed. Please take your report from the A4 printer.</source>
        <translation>打印完成，请从A4打印机取走您的报告。</translation>
    </message>
    <message>
        <source>Printed copies of reports are given at the service window.</source>
        <translation>纸质报告请到服务窗口领取。</translation>
    </message>
    <message>
        <source>All reports</source>
        <translation>全部报告</translation>
    </message>
    <message>
        <source>Back to all your reports</source>
        <translation>返回全部报告</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Print this report on the A4 printer</source>
        <translation>用A4打印机打印本报告</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <source>This report is no longer available; the hospital may have withdrawn it. Please ask at service window {window}.</source>
        <translation>该报告已无法查看，可能已被医院撤回。请到{window}号服务窗口咨询。</translation>
    </message>
    <message>
        <source>This report is not ready yet. Please come back at the time shown.</source>
        <translation>该报告尚未出具，请在显示的时间后再来查询。</translation>
    </message>
    <message>
        <source>This report has been printed here {count} times. For another copy, please ask at service window {window}.</source>
        <translation>该报告已在自助机打印{count}次。如需再次打印，请到{window}号服务窗口办理。</translation>
    </message>
    <message>
        <source>The report printer is not working at the moment. Nothing was printed. You can read your report here, or ask at service window {window} for a printed copy.</source>
        <translation>报告打印机暂时无法使用，本次未打印。您可以在此查看报告，或到{window}号服务窗口领取纸质报告。</translation>
    </message>
    <message>
        <source>The report could not be printed and was not counted. Touch “Print” to try again, or ask at service window {window}.</source>
        <translation>报告未能打印，不计入打印次数。请点击“打印”重试，或到{window}号服务窗口办理。</translation>
    </message>
    <message>
        <source>Expected {date} {time}</source>
        <translation>预计 {date} {time} 出报告</translation>
    </message>
</context>
<context>
    <name>ReportsScreen</name>
    <message>
        <source>Your lab and imaging reports</source>
        <translation>您的检验、检查报告</translation>
    </message>
    <message>
        <source>Reports can be read here; printed copies are given at the service window.</source>
        <translation>可在此查看报告；纸质报告请到服务窗口领取。</translation>
    </message>
    <message>
        <source>You have no reports at this hospital.</source>
        <translation>您在本院暂无报告。</translation>
    </message>
    <message>
        <source>Lab test</source>
        <translation>检验</translation>
    </message>
    <message>
        <source>Imaging</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>{kind} · {department} · ordered {date}</source>
        <translation>{kind} · {department} · 开单 {date}</translation>
    </message>
    <message>
        <source>View</source>
        <translation>查看</translation>
    </message>
    <message>
        <source>View the report {title}</source>
        <translation>查看报告 {title}</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>未出报告</translation>
    </message>
</context>
<context>
    <name>ScrollHint</name>
    <message>
        <source>Scroll down for more</source>
        <translation>向下滑动查看更多</translation>
    </message>
</context>
<context>
    <name>Services</name>
    <message>
        <source>Check in</source>
        <translation>签到取号</translation>
    </message>
    <message>
        <source>Appointment today</source>
        <translation>今日已有预约</translation>
    </message>
    <message>
        <source>My appointments</source>
        <translation>我的预约</translation>
    </message>
    <message>
        <source>The next 30 days</source>
        <translation>查看未来 30 天</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>当日挂号</translation>
    </message>
    <message>
        <source>See a doctor today</source>
        <translation>今天看医生</translation>
    </message>
    <message>
        <source>Pay bills</source>
        <translation>缴费</translation>
    </message>
    <message>
        <source>Fees, receipts, pharmacy</source>
        <translation>费用明细、收据、取药</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报告查询</translation>
    </message>
    <message>
        <source>Lab and imaging, printed</source>
        <translation>检验检查报告打印</translation>
    </message>
    <message>
        <source>Reprint a receipt</source>
        <translation>票据补打</translation>
    </message>
    <message>
        <source>Past payments, printed again</source>
        <translation>已缴费票据再次打印</translation>
    </message>
    <message>
        <source>Hospital guide</source>
        <translation>就医指南</translation>
    </message>
    <message>
        <source>Doctors, prices, floors</source>
        <translation>医生排班、价格、楼层</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>意见反馈</translation>
    </message>
    <message>
        <source>Tell us how we did</source>
        <translation>评价我们的服务</translation>
    </message>
</context>
<context>
    <name>SessionsScreen</name>
    <message>
        <source>That session is full</source>
        <translation>该时段已满</translation>
    </message>
    <message>
        <source>These sessions of {department} have places:</source>
        <translation>{department}以下时段还有号：</translation>
    </message>
    <message>
        <source>{department}: doctors today</source>
        <translation>{department}：今日出诊医生</translation>
    </message>
    <message>
        <source>{department}: doctors on {day}</source>
        <translation>{department}：{day} 出诊医生</translation>
    </message>
    <message>
        <source>Choose a session. Full sessions show other times.</source>
        <translation>请选择时段。已满的时段可查看其他时间。</translation>
    </message>
    <message>
        <source>No doctor of this department works today.</source>
        <translation>本科室今天没有医生出诊。</translation>
    </message>
    <message>
        <source>No doctor of this department works that day.</source>
        <translation>该科室当天没有医生出诊。</translation>
    </message>
    <message>
        <source>You get your queue number when you check in on the day.</source>
        <translation>预约成功后，就诊当日签到取号。</translation>
    </message>
    <message>
        <source>Full – touch for other times</source>
        <translation>已满 – 点此查看其他时间</translation>
    </message>
</context>
<context>
    <name>StaffCallOverlay</name>
    <message>
        <source>Waiting for {minutes} min {seconds} s</source>
        <translation>已等待 {minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <source>Waiting for {seconds} s</source>
        <translation>已等待 {seconds} 秒</translation>
    </message>
    <message>
        <source>Calling staff…</source>
        <translation>正在呼叫工作人员…</translation>
    </message>
    <message>
        <source>Please stay at this kiosk.</source>
        <translation>请在自助机旁稍候。</translation>
    </message>
    <message>
        <source>Staff are on their way</source>
        <translation>工作人员正在赶来</translation>
    </message>
    <message>
        <source>Staff have seen your call. Please wait here.</source>
        <translation>工作人员已确认，请稍候</translation>
    </message>
    <message>
        <source>The call could not be sent</source>
        <translation>呼叫未能发出</translation>
    </message>
    <message>
        <source>Please ask at the information desk. The kiosk keeps trying to call staff.</source>
        <translation>请到服务台咨询。自助机会继续尝试呼叫工作人员。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>好的</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cancel the call</source>
        <translation>取消呼叫</translation>
    </message>
</context>
<context>
    <name>TakeCardOverlay</name>
    <message>
        <source>Please take your card</source>
        <translation>请取回您的卡片</translation>
    </message>
</context>
<context>
    <name>TechnicianView</name>
    <message>
        <source>Too many wrong PINs. Try again in {minutes} min.</source>
        <translation>密码错误次数过多，请 {minutes} 分钟后再试。</translation>
    </message>
    <message>
        <source>The PIN could not be checked.</source>
        <translation>无法校验密码。</translation>
    </message>
    <message>
        <source>Wrong PIN. {tries} tries left.</source>
        <translation>密码错误，还可尝试 {tries} 次。</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印……</translation>
    </message>
    <message>
        <source>Cutting…</source>
        <translation>正在切纸……</translation>
    </message>
    <message>
        <source>Asked the card dispenser at {time}.</source>
        <translation>已于 {time} 查询发卡机。</translation>
    </message>
    <message>
        <source>Asked the printer at {time}.</source>
        <translation>已于 {time} 查询打印机。</translation>
    </message>
    <message>
        <source>Waiting for a card or code…</source>
        <translation>请刷卡或扫码……</translation>
    </message>
    <message>
        <source>Played: success, then error.</source>
        <translation>已播放：成功音，然后错误音。</translation>
    </message>
    <message>
        <source>Said: {text}</source>
        <translation>已播报：{text}</translation>
    </message>
    <message>
        <source>Test page printed.</source>
        <translation>测试页已打印。</translation>
    </message>
    <message>
        <source>Paper cut.</source>
        <translation>已切纸。</translation>
    </message>
    <message>
        <source>Test page failed: {reason}</source>
        <translation>测试页打印失败：{reason}</translation>
    </message>
    <message>
        <source>Cut failed: {reason}</source>
        <translation>切纸失败：{reason}</translation>
    </message>
    <message>
        <source>{count} heartbeats, {failed} failed; slowest {slowest} ms</source>
        <translation>心跳 {count} 次，失败 {failed} 次；最慢 {slowest} 毫秒</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后台服务</translation>
    </message>
    <message>
        <source>Clock offset from the server</source>
        <translation>与服务器的时钟偏差</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <source>Last errors:</source>
        <translation>最近的错误：</translation>
    </message>
    <message>
        <source>No recent warnings or errors.</source>
        <translation>最近没有警告或错误。</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>DNS answer for {host}</source>
        <translation>{host} 的域名解析结果</translation>
    </message>
    <message>
        <source>TLS certificate expires</source>
        <translation>TLS 证书到期时间</translation>
    </message>
    <message>
        <source>This kiosk&apos;s addresses</source>
        <translation>本机地址</translation>
    </message>
    <message>
        <source>Default gateway</source>
        <translation>默认网关</translation>
    </message>
    <message>
        <source>Kiosk</source>
        <translation>自助机</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Running for</source>
        <translation>已运行</translation>
    </message>
    <message>
        <source>Computer name</source>
        <translation>计算机名</translation>
    </message>
    <message>
        <source>Operating system</source>
        <translation>操作系统</translation>
    </message>
    <message>
        <source>Disk free</source>
        <translation>磁盘可用</translation>
    </message>
    <message>
        <source>Memory free</source>
        <translation>内存可用</translation>
    </message>
    <message>
        <source>Configuration file</source>
        <translation>配置文件</translation>
    </message>
    <message>
        <source>Log file</source>
        <translation>日志文件</translation>
    </message>
    <message>
        <source>Configuration check: {result}</source>
        <translation>配置检查：{result}</translation>
    </message>
    <message>
        <source>Last crash reports:</source>
        <translation>最近的崩溃报告：</translation>
    </message>
    <message>
        <source>No crash since the kiosk started.</source>
        <translation>自本次启动以来没有崩溃。</translation>
    </message>
    <message>
        <source>Built-in configuration: no file to check.</source>
        <translation>内置配置，没有配置文件可检查。</translation>
    </message>
    <message>
        <source>Answered in {ms} ms ({count} departments)</source>
        <translation>响应时间 {ms} 毫秒（{count} 个科室）</translation>
    </message>
    <message>
        <source>Failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Could not save: {error}</source>
        <translation>无法保存：{error}</translation>
    </message>
</context>
<context>
    <name>ThanksScreen</name>
    <message>
        <source>Thank you</source>
        <translation>谢谢您</translation>
    </message>
    <message>
        <source>Your feedback helps us do better.</source>
        <translation>您的意见将帮助我们改进服务。</translation>
    </message>
</context>
<context>
    <name>TicketScreen</name>
    <message>
        <source>Please go to</source>
        <translation>请前往</translation>
    </message>
    <message>
        <source>People ahead of you</source>
        <translation>前面等候人数</translation>
    </message>
    <message>
        <source>Estimated wait</source>
        <translation>预计等候</translation>
    </message>
    <message>
        <source>Scan to follow the queue on your phone</source>
        <translation>手机扫码查看排队进度</translation>
    </message>
    <message>
        <source>Print again</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>You were already checked in. Your number is</source>
        <translation>您已签到，您的排队号是</translation>
    </message>
    <message>
        <source>You are checked in. Your number is</source>
        <translation>签到成功，您的排队号是</translation>
    </message>
    <message>
        <source>about {minutes} min</source>
        <translation>约 {minutes} 分钟</translation>
    </message>
    <message>
        <source>The ticket could not be printed. Please remember your number or photograph the QR code.</source>
        <translation>凭条未能打印。请记住您的排队号，或用手机拍下二维码。</translation>
    </message>
    <message>
        <source>Touch “Print again” if you need a paper ticket.</source>
        <translation>如需纸质凭条，请点击“重新打印”。</translation>
    </message>
    <message>
        <source>Please take your ticket from the printer below.</source>
        <translation>请从下方出纸口取走您的凭条。</translation>
    </message>
    <message>
        <source>appointment at {time}</source>
        <translation>预约 {time}</translation>
    </message>
</context>
<context>
    <name>TodayScreen</name>
    <message>
        <source>{name}, your appointments today</source>
        <translation>{name}，您今天的预约</translation>
    </message>
    <message>
        <source>You have no appointments today.</source>
        <translation>您今天没有预约。</translation>
    </message>
    <message>
        <source>You have {count} appointments today. Choose Check in to get your queue number.</source>
        <translation>您今天有 {count} 个预约。请选择“签到”取号。</translation>
    </message>
</context>
<context>
    <name>UpcomingScreen</name>
    <message>
        <source>{name}, your appointments</source>
        <translation>{name}，您的预约</translation>
    </message>
    <message>
        <source>You have no appointments in the next 30 days.</source>
        <translation>您未来 30 天内没有预约。</translation>
    </message>
    <message>
        <source>Choose Check in to get your queue number.</source>
        <translation>请选择“签到”取号。</translation>
    </message>
</context>
</TS>
