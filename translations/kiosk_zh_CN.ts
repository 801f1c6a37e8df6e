<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>HomeScreen</name>
    <message>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <source>Scan your ID card, medical insurance card or e-health code to begin.</source>
        <translation>请刷身份证、医保卡或出示电子健康码开始办理。</translation>
    </message>
</context>
</TS>