package dev.panagrad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ChartsTest {

    static Document parse(String svg) {
        try {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage(), e);
        }
    }

    @Test
    void ticksAreOneTwoOrFiveTimesAPowerOfTen() {
        // accuracy between 34.4 and 100 (in %), about 5 steps: 30, 40, ..., 100
        Charts.Ticks t = Charts.niceTicks(34.4, 100, 5, 0, 100);
        assertThat(t.step()).isEqualTo(10);
        assertThat(t.values()).containsExactly(30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0);
        assertThat(Charts.niceTicks(0.013, 0.049, 4, 0, Double.POSITIVE_INFINITY).step()).isCloseTo(0.01, within());
        assertThat(Charts.niceTicks(1, 240, 8, 1, Double.POSITIVE_INFINITY).step()).isEqualTo(20);
        assertThat(Charts.niceTicks(1, 3, 8, 1, Double.POSITIVE_INFINITY).step()).isEqualTo(1);
    }

    @Test
    void anAccuracyAxisNeverPassesOneHundred() {
        // every model at 100%: the axis is padded around 100, but ends there
        Charts.Ticks t = Charts.niceTicks(100, 100, 5, 0, 100);
        assertThat(t.max()).isEqualTo(100);
        assertThat(t.values()).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(100));
    }

    @Test
    void tickLabelsHaveTheDecimalsOfTheStep() {
        assertThat(new Charts.Ticks(0, 1, 0.2).label(0.6000000000000001)).isEqualTo("0.6");
        assertThat(new Charts.Ticks(0, 100, 10).label(40)).isEqualTo("40");
        assertThat(new Charts.Ticks(0, 0.05, 0.01).label(0.03)).isEqualTo("0.03");
    }

    @Test
    void theLegendStandsRightOfThePlotAndTextIsEscaped() {
        List<Charts.Series> series = new ArrayList<>();
        series.add(new Charts.Series("kd <resnet8> & co", new double[] {1, 2, 3}, new double[] {40, 60, 90}, Color.RED, false));
        series.add(new Charts.Series("teacher", new double[] {1, 2}, new double[] {50, 95}, Color.BLACK, true));

        Document doc = parse(Charts.lineChart("Test top-1", "epoch", "top-1 (%)", series, 100, 900, 440));

        NodeList polylines = doc.getElementsByTagName("polyline");
        double plotRight = 0;
        for (int i = 0; i < polylines.getLength(); i++) {
            for (String p : ((Element) polylines.item(i)).getAttribute("points").split(" ")) {
                plotRight = Math.max(plotRight, Double.parseDouble(p.split(",")[0]));
            }
        }
        NodeList texts = doc.getElementsByTagName("text");
        Element legend = null;
        for (int i = 0; i < texts.getLength(); i++) {
            if (texts.item(i).getTextContent().equals("kd <resnet8> & co")) {
                legend = (Element) texts.item(i);
            }
        }
        assertThat(legend).as("legend entry").isNotNull();
        assertThat(Double.parseDouble(legend.getAttribute("x"))).isGreaterThan(plotRight);
        // y ticks: 40 to 100 by 10, none above 100
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) {
            labels.add(texts.item(i).getTextContent());
        }
        assertThat(labels).contains("40", "100").doesNotContain("110");
    }

    @Test
    void stackedChartsKeepDistinctClipPaths() {
        List<Charts.Series> s = List.of(new Charts.Series("a", new double[] {1, 2}, new double[] {1, 2}, Color.RED, false));
        String stacked = Charts.stack(List.of(Charts.lineChart("one", "epoch", "v", s, Double.NaN, 400, 200),
                Charts.lineChart("two", "epoch", "v", s, Double.NaN, 400, 200)), 400, 200);

        Document doc = parse(stacked);
        NodeList clips = doc.getElementsByTagName("clipPath");
        assertThat(clips.getLength()).isEqualTo(2);
        assertThat(((Element) clips.item(0)).getAttribute("id")).isNotEqualTo(((Element) clips.item(1)).getAttribute("id"));
        assertThat(doc.getDocumentElement().getAttribute("height")).isEqualTo("400");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-12);
    }
}
