#include "theme.h"

#include <QFontDatabase>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace microcosm::theme {

QFont scaledFont(QFont f, double factor)
{
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * factor);
    else
        f.setPixelSize(std::max(1, int(std::lround(f.pixelSize() * factor))));
    return f;
}

QFont presenterFont(bool presenter, double scale)
{
    return presenter ? scaledFont(QFontDatabase::systemFont(QFontDatabase::GeneralFont), scale)
                     : QFont();
}

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

namespace {

// The shop's own, fixed since its first charts.
QColor fixedServiceColor(const QString &service)
{
    if (service == QLatin1String("product"))
        return QColor(0x3d, 0x8b, 0xe0);
    if (service == QLatin1String("cart"))
        return QColor(0x2e, 0xa0, 0x4f);
    if (service == QLatin1String("order"))
        return QColor(0xa8, 0x5c, 0xd6);
    if (service == QLatin1String("gateway"))
        return QColor(0xe0, 0x8a, 0x00);
    return {};
}

// FNV-1a of the name's UTF-8: unlike qHash, the same in every process.
quint32 stableHash(const QString &name)
{
    quint32 h = 2166136261u;
    for (const char c : name.toUtf8()) {
        h ^= quint8(c);
        h *= 16777619u;
    }
    return h;
}

int paletteSlot(const QString &name)
{
    return int(stableHash(name) % quint32(servicePalette().size()));
}

// GUI thread only, as every colour here.
QHash<QString, int> &assignedSlots()
{
    static QHash<QString, int> assigned;
    return assigned;
}

} // namespace

QList<QColor> servicePalette()
{
    // Mid-tone hues that read on light and dark backgrounds, none of them
    // the shop's blue, green or purple nor the gateway's orange.
    static const QList<QColor> palette = {
        QColor(0x1a, 0x9e, 0x8f), QColor(0xd6, 0x47, 0x8f), QColor(0x9c, 0x6b, 0x30),
        QColor(0x5b, 0x5f, 0xd6), QColor(0x7f, 0x9a, 0x1f), QColor(0x1f, 0x9b, 0xd1),
        QColor(0xc0, 0x50, 0x6e), QColor(0x5f, 0x7a, 0x8c), QColor(0xe0, 0x69, 0x4a),
        QColor(0xc9, 0xa2, 0x27), QColor(0x8a, 0x5a, 0x9e), QColor(0x3a, 0x9a, 0x6a)};
    return palette;
}

QColor serviceColor(const QString &service)
{
    const QColor fixed = fixedServiceColor(service);
    if (fixed.isValid())
        return fixed;
    const QList<QColor> palette = servicePalette();
    return palette[assignedSlots().value(service, paletteSlot(service))];
}

void assignServiceColors(const QStringList &services,
                         const QList<std::pair<QString, QString>> &neighbours)
{
    QStringList names = services;
    names.sort();
    names.removeDuplicates();
    QHash<QString, QStringList> near;
    for (const auto &[a, b] : neighbours) {
        near[a] << b;
        near[b] << a;
    }
    const int size = int(servicePalette().size());
    QHash<QString, int> picked;
    QSet<int> used;
    for (const QString &name : std::as_const(names)) {
        if (fixedServiceColor(name).isValid())
            continue;
        QSet<int> taken;
        for (const QString &n : near.value(name))
            if (picked.contains(n))
                taken.insert(picked.value(n));
        const int first = paletteSlot(name);
        int pick = -1;
        for (int pass = 0; pass < 2 && pick < 0; ++pass)
            for (int i = 0; i < size && pick < 0; ++i) {
                const int slot = (first + i) % size;
                if (!taken.contains(slot) && (pass == 1 || !used.contains(slot)))
                    pick = slot;
            }
        picked.insert(name, pick < 0 ? first : pick);
        used.insert(picked.value(name));
    }
    assignedSlots() = picked;
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
