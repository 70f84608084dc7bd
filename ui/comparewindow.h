#pragma once

#include "compare.h"
#include "recording.h"

#include <QWidget>

#include <array>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;
class QValueAxis;

namespace microcosm {

// Two recordings side by side (File → Compare with…): what the users saw
// in each, second by second — throughput, success rate and the gateway's
// p99 — A drawn solid and B dashed in the same colour, on a time axis that
// starts at each one's load start or at the first event of a kind both
// have (the first "fault-start", "killed", "breaker-open"...); below, the
// table `microcosm compare A B` prints (compareRecordings()), grouped by
// entity, with each verdict coloured, and each recording's expectations.
//
// Invariants: reads only its two Recordings (in memory; neither file is
// ever changed) and never recomputes a figure of the table — every number
// in it is compareRecordings()'s; the charts hold one point per recorded
// second after the load started (the success rate and p99 leave out a
// second without requests, which has neither), fed whole through
// QXYSeries::replace(), and re-aligning only moves those points.
class CompareWindow : public QWidget
{
    Q_OBJECT
public:
    enum Side
    {
        A,
        B
    };
    // What a chart draws, and the id its series are named by
    // ("throughput:A", "success:B", "p99:A").
    enum class Plot
    {
        Throughput, // gateway requests per second
        Success,    // % of them answered ok or from a fallback
        P99,        // the gateway's p99 of the second, ms
        Count
    };

    CompareWindow(Recording a, Recording b, QWidget *parent = nullptr);
    ~CompareWindow() override;

    // Opens both files (a recording still being written by this Microcosm
    // included: the running window's own, as it stands); null, with
    // Recording::open's message (which names the file) in *error, when one
    // cannot be read. The window is a top-level one deleted when closed.
    static CompareWindow *open(const QString &pathA, const QString &pathB, QWidget *parent,
                               QString *error);
    // Asks for A (starting at defaultA, e.g. the running window's own
    // recording) and then B with file dialogs, opens and shows the window;
    // a file that cannot be read is said in a message box. Null when
    // cancelled or refused.
    static CompareWindow *askAndOpen(QWidget *parent, const QString &defaultA,
                                     bool presenter = false);

    const Recording &recording(Side side) const { return m_sides[side].recording; }
    const CompareTable &table() const { return m_table; }

    QLineSeries *series(Plot plot, Side side) const;
    QChartView *chartView(Plot plot) const { return m_plots[std::size_t(plot)].view; }
    // The figures: one top-level item per entity, a child per figure with
    // columns Figure, A, B, Change, Verdict (A and B hold the value in
    // Qt::UserRole as well); the expectations: one top-level item per side.
    QTreeWidget *figures() const { return m_figures; }
    QTreeWidget *expectations() const { return m_expectations; }
    QTabWidget *tabs() const { return m_tabs; }
    QComboBox *alignBox() const { return m_alignBox; }
    QComboBox *kindBox() const { return m_kindBox; }
    QLabel *header(Side side) const { return m_sides[side].header; }

    // The event kinds both recordings have, in the order A first had them.
    QStringList alignKinds() const { return m_alignKinds; }
    // Aligns on the first event of that kind in each; empty: the load start.
    // False (and nothing changes) for a kind not in alignKinds().
    bool setAlignOn(const QString &kind);
    QString alignOn() const { return m_alignKind; }
    // The platform time each side's x = 0 stands for.
    double origin(Side side) const;

    // Shows only the rows of one kind of entity; nullopt: all.
    void setKindFilter(std::optional<CompareEntityKind> kind);

    // Presenter mode: large type for a projector (the system's type times
    // MainWindow::PresenterTypeScale, whether or not the application's is
    // already scaled) and wider lines.
    void setPresenter(bool on);
    bool presenter() const { return m_presenter; }

protected:
    void changeEvent(QEvent *event) override;

private:
    struct SideData
    {
        Recording recording;
        std::vector<Window> windows; // the gateway's, after the load started
        // The seconds of load each of them covers: 1 but for the first (the
        // load started inside it) and the last (the run ended inside it).
        std::vector<double> spans;
        QLabel *header = nullptr;
        QLabel *swatch = nullptr; // the line its charts draw it with
    };
    struct PlotData
    {
        QChart *chart = nullptr;
        QChartView *view = nullptr;
        QValueAxis *x = nullptr;
        QValueAxis *y = nullptr;
        std::array<QLineSeries *, 2> series{};
        QColor color;
    };

    QWidget *buildHeader(Side side);
    void buildCharts(QWidget *row);
    void buildFigures();
    void buildExpectations();
    void redraw();
    void applyStyle();

    std::array<SideData, 2> m_sides;
    CompareTable m_table;
    std::array<PlotData, std::size_t(Plot::Count)> m_plots;
    QComboBox *m_alignBox = nullptr;
    QComboBox *m_kindBox = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTreeWidget *m_figures = nullptr;
    QTreeWidget *m_expectations = nullptr;
    QStringList m_alignKinds;
    QString m_alignKind;
    bool m_presenter = false;
};

} // namespace microcosm
