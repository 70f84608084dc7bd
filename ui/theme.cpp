#include "theme.h"

namespace microcosm::theme {

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

QColor mix(const QColor &a, const QColor &b, double t)
{
    const double u = 1.0 - t;
    return QColor::fromRgbF(
        float(a.redF() * u + b.redF() * t), float(a.greenF() * u + b.greenF() * t),
        float(a.blueF() * u + b.blueF() * t), float(a.alphaF() * u + b.alphaF() * t));
}

QColor healthColor(ServiceSnapshot::Health health)
{
    switch (health) {
    case ServiceSnapshot::Health::Healthy:
        return okColor();
    case ServiceSnapshot::Health::Degraded:
        return warningColor();
    case ServiceSnapshot::Health::Failing:
        return QColor(0xf0, 0x6a, 0x1d);
    case ServiceSnapshot::Health::Down:
        return errorColor();
    }
    return okColor();
}

QColor okColor()
{
    return QColor(0x2e, 0xa0, 0x4f);
}

QColor errorColor()
{
    return QColor(0xe0, 0x32, 0x2c);
}

QColor warningColor()
{
    return QColor(0xe0, 0xa0, 0x00);
}

QColor startingColor()
{
    return QColor(0x3d, 0x8b, 0xe0);
}

QColor faultColor()
{
    return QColor(0xa8, 0x5c, 0xd6);
}

QColor deadColor(const QPalette &palette)
{
    return mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.55);
}

QColor mutedText(const QPalette &palette)
{
    return mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.35);
}

QColor serviceColor(const QString &service)
{
    if (service == QLatin1String("product"))
        return QColor(0x3d, 0x8b, 0xe0);
    if (service == QLatin1String("cart"))
        return QColor(0x2e, 0xa0, 0x4f);
    if (service == QLatin1String("order"))
        return QColor(0xa8, 0x5c, 0xd6);
    if (service == QLatin1String("gateway"))
        return QColor(0xe0, 0x8a, 0x00);
    return QColor(0x80, 0x80, 0x80);
}

QString healthLabel(ServiceSnapshot::Health health)
{
    switch (health) {
    case ServiceSnapshot::Health::Healthy:
        return QStringLiteral("healthy");
    case ServiceSnapshot::Health::Degraded:
        return QStringLiteral("degraded");
    case ServiceSnapshot::Health::Failing:
        return QStringLiteral("failing");
    case ServiceSnapshot::Health::Down:
        return QStringLiteral("DOWN");
    }
    return {};
}

QString healthRule(ServiceSnapshot::Health health)
{
    switch (health) {
    case ServiceSnapshot::Health::Healthy:
        return QStringLiteral(
            "every replica ready and at least 99% of last second's calls succeeded");
    case ServiceSnapshot::Health::Degraded:
        return QStringLiteral(
            "a replica is not ready, or fewer than 99% of last second's calls succeeded");
    case ServiceSnapshot::Health::Failing:
        return QStringLiteral("fewer than 90% of last second's calls succeeded");
    case ServiceSnapshot::Health::Down:
        return QStringLiteral("no replica is ready: every call is refused or reset");
    }
    return {};
}

} // namespace microcosm::theme
