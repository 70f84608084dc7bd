// A response's body as a value or as JSON text written by hand
// (core/message.h): the text a service writes parses back to what it meant,
// and either form reads as the other.

#include "message.h"
#include "shopjson.h"

#include <QJsonDocument>
#include <QtTest>

#include <limits>

using namespace microcosm;

class TestBody : public QObject
{
    Q_OBJECT

private slots:
    void stringsParseBackUnchanged_data();
    void stringsParseBackUnchanged();
    void integersParseBackUnchanged_data();
    void integersParseBackUnchanged();
    void textReadsAsValue();
    void valueReadsAsText_data();
    void valueReadsAsText();
    void invalidTextReadsUndefined();
    void nowTextIsWhatQtWrites();
};

void TestBody::stringsParseBackUnchanged_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << QStringLiteral("Espresso beans");
    QTest::newRow("empty") << QString();
    QTest::newRow("quote") << QStringLiteral("the \"best\" mug");
    QTest::newRow("backslash") << QStringLiteral("C:\\shop\\");
    QTest::newRow("newline and tab") << QStringLiteral("line\nnext\tcolumn\r");
    QTest::newRow("other control characters") << QString::fromUtf8("\x01\x08\x0c\x1f");
    QTest::newRow("slash stays as is") << QStringLiteral("a/b");
    QTest::newRow("not ASCII") << QString::fromUtf8("Käse · ☕ · 😀");
    QTest::newRow("delete character") << QString::fromUtf8("\x7f");
}

void TestBody::stringsParseBackUnchanged()
{
    QFETCH(QString, text);
    QByteArray json("[");
    appendJsonString(json, text.toUtf8());
    json.append(']');
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    QVERIFY2(error.error == QJsonParseError::NoError,
             qPrintable(error.errorString() + QLatin1String(": ") + QString::fromUtf8(json)));
    QCOMPARE(doc.array().at(0).toString(), text);
    // What Qt writes for the same string parses to the same: the two agree.
    QCOMPARE(QJsonDocument::fromJson(QJsonDocument(QJsonArray{text}).toJson()).array(),
             doc.array());
}

void TestBody::integersParseBackUnchanged_data()
{
    QTest::addColumn<qint64>("value");
    QTest::newRow("zero") << qint64(0);
    QTest::newRow("one") << qint64(1);
    QTest::newRow("minus one") << qint64(-1);
    QTest::newRow("price") << qint64(1299);
    QTest::newRow("2^53") << (qint64(1) << 53);
    QTest::newRow("largest") << std::numeric_limits<qint64>::max();
    QTest::newRow("smallest") << std::numeric_limits<qint64>::min();
}

void TestBody::integersParseBackUnchanged()
{
    QFETCH(qint64, value);
    QByteArray json("[");
    appendJsonInteger(json, value);
    json.append(']');
    QCOMPARE(json, QByteArray("[") + QByteArray::number(value) + ']');
    const QJsonValue back = QJsonDocument::fromJson(json).array().at(0);
    QVERIFY(back.isDouble());
    if (qAbs(double(value)) <= double(qint64(1) << 53))
        QCOMPARE(back.toInteger(), value);
}

void TestBody::textReadsAsValue()
{
    const QByteArray list = R"([{"id":1,"name":"Mug"},{"id":2,"name":"Cup"}])";
    const Body text = Body::fromJsonText(list, 2);
    QVERIFY(text.isText());
    QVERIFY(text.isArray());
    QVERIFY(!text.isObject());
    QVERIFY(!text.isUndefined());
    QVERIFY(!text.isNull());
    QCOMPARE(text.elements(), 2);
    QCOMPARE(text.toJson(), list);
    const QJsonArray array = text.toArray();
    QCOMPARE(array.size(), 2);
    QCOMPARE(array.at(1).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("Cup"));
    // The same list as a value is equal to it, and writes the same text.
    const Body value(array);
    QVERIFY(!value.isText());
    QCOMPARE(value, text);
    QCOMPARE(value.toJson(), list);
    QCOMPARE(value.elements(), 2);
    QVERIFY(!(value == Body(QJsonArray{1})));

    const Body object = Body::fromJsonText(R"({"id":7})", 1);
    QVERIFY(object.isObject());
    QCOMPARE(object.toObject().value(QStringLiteral("id")).toInteger(), 7);
    // Empty text is text, not an absent body.
    QVERIFY(!Body::fromJsonText({}, 0).isUndefined());
}

void TestBody::valueReadsAsText_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("object") << QJsonValue(QJsonObject{{QStringLiteral("a"), 1}})
                            << QByteArray(R"({"a":1})");
    QTest::newRow("array") << QJsonValue(QJsonArray{1, QStringLiteral("x")})
                           << QByteArray(R"([1,"x"])");
    QTest::newRow("string") << QJsonValue(QStringLiteral("he said \"hi\""))
                            << QByteArray(R"("he said \"hi\"")");
    QTest::newRow("number") << QJsonValue(42) << QByteArray("42");
    QTest::newRow("true") << QJsonValue(true) << QByteArray("true");
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << QByteArray("null");
    QTest::newRow("undefined") << QJsonValue(QJsonValue::Undefined) << QByteArray();
}

void TestBody::valueReadsAsText()
{
    QFETCH(QJsonValue, value);
    QFETCH(QByteArray, json);
    const Body body(value);
    QCOMPARE(body.toJson(), json);
    QCOMPARE(body.value(), value);
    QCOMPARE(body.isUndefined(), value.isUndefined());
    QCOMPARE(body.isNull(), value.isNull());
}

void TestBody::invalidTextReadsUndefined()
{
    const Body broken = Body::fromJsonText("[{\"id\":1", 1);
    QVERIFY(broken.value().isUndefined());
    QVERIFY(broken.toArray().isEmpty());
    // Its text is still what was written: nothing is lost.
    QCOMPARE(broken.toJson(), QByteArray("[{\"id\":1"));
}

void TestBody::nowTextIsWhatQtWrites()
{
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const QString text = shop::nowText();
    const QDateTime after = QDateTime::currentDateTimeUtc();
    const QDateTime read = QDateTime::fromString(text, Qt::ISODateWithMs);
    QVERIFY2(read.isValid(), qPrintable(text));
    // Qt writes the same instant the same way, and it lies between the two readings.
    QCOMPARE(read.toString(Qt::ISODateWithMs), text);
    QVERIFY2(before.addMSecs(-1) <= read && read <= after, qPrintable(text));
    QCOMPARE(text.size(), qsizetype(24));
}

QTEST_GUILESS_MAIN(TestBody)
#include "tst_body.moc"
