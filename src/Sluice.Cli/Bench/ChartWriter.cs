using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Sluice.Cli.Bench;

// --chart: six small panels of grouped bars (one group per strategy, one bar per cache state),
// drawn with ScottPlot onto one SkiaSharp canvas under a header that says what ran where. The same
// drawing goes to a PNG surface or to Skia's SVG canvas, chosen by the file's extension.
internal static class ChartWriter
{
    private const int Width = 1500;
    private const int Height = 900;
    private const int HeaderHeight = 56;
    private const int Rows = 2;
    private const int Columns = 3;

    private static readonly Color[] s_cacheColors = [Color.FromHex("#E4572E"), Color.FromHex("#2E86AB")];

    private static readonly (string Title, Func<BenchResult, double> Value)[] s_panels =
    [
        ("System calls per GiB (server counters)", r => r.SyscallsPerGiB),
        ("Server CPU ms per GiB (user + sys)", r => r.CpuMsPerGiB),
        ("Whole-machine busy CPU ms per GiB", r => r.MachineCpuMsPerGiB),
        ("Throughput, MB/s (loopback)", r => r.MbPerSec),
        ("Page-cache growth during transfer, MiB", r => r.PageCacheMiB),
        ("Server context switches per GiB", r => r.ContextSwitchesPerGiB),
    ];

    public static void Write(string path, IReadOnlyList<BenchResult> rows, string header, string subheader)
    {
        Plot[] panels = Build(rows);
        bool svg = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase);
        if (svg)
        {
            using var stream = File.Create(path);
            using (SKCanvas canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream))
            {
                Draw(canvas, panels, header, subheader);
            }
        }
        else
        {
            using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height));
            Draw(surface.Canvas, panels, header, subheader);
            using SKImage image = surface.Snapshot();
            using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
            using var stream = File.Create(path);
            png.SaveTo(stream);
        }
    }

    // Panels in a grid below the header. Not ScottPlot's Multiplot: its Render clears the whole
    // canvas to transparent, which Skia's SVG canvas writes as a black rectangle.
    private static void Draw(SKCanvas canvas, Plot[] panels, string header, string subheader)
    {
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var titleFont = new SKFont(typeface, 18);
        using var smallFont = new SKFont(typeface, 12);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(header, 16, 24, titleFont, paint);
        paint.Color = new SKColor(80, 80, 80);
        canvas.DrawText(subheader, 16, 46, smallFont, paint);

        float cellWidth = (float)Width / Columns;
        float cellHeight = (float)(Height - HeaderHeight) / Rows;
        for (int i = 0; i < panels.Length; i++)
        {
            float left = i % Columns * cellWidth;
            float top = HeaderHeight + i / Columns * cellHeight;
            panels[i].RenderManager.ClearCanvasBeforeEachRender = false;
            panels[i].Render(canvas, new PixelRect(left, left + cellWidth, top + cellHeight, top));
        }
    }

    private static Plot[] Build(IReadOnlyList<BenchResult> rows)
    {
        List<string> strategies = rows.Select(r => r.Strategy).Distinct().ToList();
        List<string> caches = rows.Select(r => r.Cache).Distinct().ToList();
        var panels = new Plot[s_panels.Length];

        for (int p = 0; p < s_panels.Length; p++)
        {
            (string title, Func<BenchResult, double> value) = s_panels[p];
            Plot plot = panels[p] = new Plot();
            var bars = new List<Bar>();
            foreach (BenchResult r in rows)
            {
                int group = strategies.IndexOf(r.Strategy);
                int member = caches.IndexOf(r.Cache);
                double v = value(r);
                bars.Add(new Bar
                {
                    Position = group * (caches.Count + 1) + member,
                    Value = v,
                    FillColor = s_cacheColors[member % s_cacheColors.Length],
                    Label = Compact(v),
                });
            }

            var barPlot = plot.Add.Bars(bars);
            barPlot.ValueLabelStyle.FontSize = 11;
            plot.Title(title, size: 14);
            plot.Axes.Margins(bottom: 0, top: 0.15);
            double[] ticks = strategies.Select((_, g) => g * (caches.Count + 1) + (caches.Count - 1) / 2.0).ToArray();
            string[] labels = strategies.Select(s => StrategyLabel(s, rows)).ToArray();
            plot.Axes.Bottom.SetTicks(ticks, labels);
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.HideGrid();
            if (p == 0)
            {
                for (int c = 0; c < caches.Count; c++)
                {
                    plot.Legend.ManualItems.Add(new LegendItem { LabelText = caches[c], FillColor = s_cacheColors[c % s_cacheColors.Length] });
                }

                plot.ShowLegend(Alignment.UpperRight);
            }
        }

        return panels;
    }

    // Short bar labels, so that neighbouring bars' labels do not collide: 65,920 → 65.9k.
    private static string Compact(double v) => Math.Abs(v) switch
    {
        >= 1e6 => (v / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (v / 1e3).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 1e3 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k",
        >= 10 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.#", CultureInfo.InvariantCulture),
    };

    // auto's bars carry the strategy it chose.
    private static string StrategyLabel(string strategy, IReadOnlyList<BenchResult> rows)
    {
        if (strategy != "auto")
        {
            return strategy;
        }

        string chosen = string.Join("/", rows.Where(r => r.Strategy == "auto" && r.ChosenStrategy is not null).Select(r => r.ChosenStrategy!).Distinct());
        return chosen.Length == 0 ? "auto" : $"auto\n({chosen})";
    }
}
