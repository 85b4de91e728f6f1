package dev.fila.dashboard;

import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's own JSON mapper, apart from the application's (whose naming strategy or
 * modules would change the page's contract). Fairness keys, errors and config values are
 * anyone's input: {@code <}, {@code >}, {@code &}, {@code '} and the line separators U+2028 and
 * U+2029 are written as {@code \}{@code uXXXX} escapes, so that a value cannot close a tag or a
 * script even where a response would be read as HTML.
 */
final class DashboardJson {

	private static final JsonMapper mapper = JsonMapper.builder(JsonFactory.builder().characterEscapes(new HtmlSafe()).build())
		.build();

	private DashboardJson() {
	}

	static byte[] write(Object value) {
		return mapper.writeValueAsBytes(value);
	}

	static JsonNode read(byte[] json) {
		return mapper.readTree(json);
	}

	private static final class HtmlSafe extends CharacterEscapes {

		private static final int[] ASCII = standardAsciiEscapesForJSON();

		static {
			for (char escaped : new char[] { '<', '>', '&', '\'' }) {
				ASCII[escaped] = ESCAPE_STANDARD;
			}
		}

		private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");

		private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

		@Override
		public int[] getEscapeCodesForAscii() {
			return ASCII;
		}

		@Override
		public SerializableString getEscapeSequence(int ch) {
			return switch (ch) {
				case 0x2028 -> LINE_SEPARATOR;
				case 0x2029 -> PARAGRAPH_SEPARATOR;
				default -> null;
			};
		}

	}

}
