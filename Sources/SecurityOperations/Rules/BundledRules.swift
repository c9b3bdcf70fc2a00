import Foundation

/// The rules the platform ships: SigmaHQ's (under their licence, kept beside them), the city's own acceptance set and
/// the platform's self-defence rules. A city adds its own folder with `HUES_SOC_RULES`.
public enum BundledRules {
    public static var folder: URL? {
        Bundle.module.url(forResource: "rules", withExtension: nil)
    }
}
