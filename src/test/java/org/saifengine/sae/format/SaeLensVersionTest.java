package org.saifengine.sae.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which SAELens cfg.json layout a version string selects; a version without a leading number is pre-6. */
class SaeLensVersionTest {
    @ParameterizedTest(name = "sae_lens_version {0} -> v6 {1}")
    @CsvSource(delimiter = '|', value = {
            "6.5.1|true", "6-rc1|true", "' 10.0'|true", "99999999999999999999|true",
            "5.9.0|false", "0|false",
            // found by fuzzing in CI: splitting these on '.' or '-' leaves no parts, and [0] was out of bounds
            ".|false", "-|false", "..|false", "-.-|false",
            "''|false", "v6|false", "null|false"})
    void majorVersion(String version, boolean v6) throws Exception {
        String cfg = "{\"sae_lens_version\": " + new ObjectMapper().writeValueAsString(version) + "}";
        assertEquals(v6, SaeLensFormat.isV6(new ObjectMapper().readTree(cfg)));
        String nested = "{\"metadata\": {\"sae_lens_version\": " + new ObjectMapper().writeValueAsString(version) + "}}";
        assertEquals(v6, SaeLensFormat.isV6(new ObjectMapper().readTree(nested)));
    }
}
