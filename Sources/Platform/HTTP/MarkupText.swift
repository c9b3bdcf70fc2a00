/// Text placed in HTML, SVG or XML, in element content or a double-quoted attribute: the one escaping the platform
/// uses for markup it writes itself (problem pages, maps, charts, Open311 XML).
public enum MarkupText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // Control characters are not allowed in XML 1.0 at all (and mean nothing on a page).
            case let s where s.value < 0x20 && s != "\n" && s != "\t" && s != "\r": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
