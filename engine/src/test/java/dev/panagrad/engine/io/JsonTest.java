package dev.panagrad.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse("{\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\n\\u0041\\\"\"}");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, -2500.0, true, false, null), "s", "x\nA\""));
    }

    @Test
    void keepsKeyOrder() {
        assertThat(Json.parseObject("{\"z\": 1, \"a\": 2}").keySet()).containsExactly("z", "a");
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "resnet \"20\"");
        m.put("shape", List.of(64L, 3L));
        m.put("lr", 0.05);
        m.put("ok", true);
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
    }

    @Test
    void errorsGiveTheOffset() {
        assertThatThrownBy(() -> Json.parse("[1, 2,]")).hasMessage("JSON: unexpected character ']' at offset 6");
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessage("JSON: expected ':' at offset 5");
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).hasMessageStartingWith("JSON: duplicate key \"a\"");
        assertThatThrownBy(() -> Json.parse("1 2")).hasMessage("JSON: unexpected text after the value at offset 2");
    }

    @Test
    void deepNestingIsRejectedRatherThanOverflowingTheStack() {
        assertThatThrownBy(() -> Json.parse("[".repeat(10_000))).hasMessageContaining("nesting deeper than 256");
    }
}
