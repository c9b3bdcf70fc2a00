import Platform

/// What every page carries around its content, gathered from the modules' manifests: the navigation, the citizen's
/// main tasks (the phone's bottom bar) and the scripts every page loads.
public struct SiteChrome: Sendable {
    public var navigation: [NavigationEntry]
    public var tasks: [MainTask]
    public var pageScripts: [String]
    /// Interactive maps (Leaflet is installed): where tiles come from and whom to credit. Nil: maps are plain SVG.
    public var map: MapChrome?

    public struct MapChrome: Sendable {
        public var tiles: String?
        public var attribution: String

        public init(tiles: String?, attribution: String) {
            self.tiles = tiles
            self.attribution = attribution
        }
    }

    public init(navigation: [NavigationEntry] = [], tasks: [MainTask] = [], pageScripts: [String] = []) {
        self.navigation = navigation.sorted { $0.order < $1.order }
        self.tasks = tasks.sorted { $0.order < $1.order }
        self.pageScripts = pageScripts
    }

    /// The tasks one person is offered: all of them before signing in (each asks to sign in first), then those their
    /// roles allow.
    public func tasks(for principal: Principal?) -> [MainTask] {
        guard let principal else { return tasks }
        return tasks.filter { $0.access.allows(principal) }
    }

    /// The drawing of a task's icon: inner SVG of a 24-unit, stroked, currentColor icon (constant markup, never input).
    public static func drawing(_ icon: MainTask.Icon) -> String {
        switch icon {
        case .report: return #"<path d="M12 21.5s6.5-6.8 6.5-12a6.5 6.5 0 0 0-13 0c0 5.2 6.5 12 6.5 12z"/><path d="M12 6.5v4"/><path d="M12 13.2v.3"/>"#
        case .dossiers: return #"<path d="M3.5 6.5h6l2 2h9v11h-17z"/><path d="M3.5 10.5h17"/>"#
        case .pay: return #"<rect x="2.5" y="5.5" width="19" height="13" rx="2"/><path d="M2.5 9.5h19"/><path d="M6 14.5h4"/>"#
        case .notices: return #"<path d="M5 16.5h14l-1.8-2.2V10a5.2 5.2 0 0 0-10.4 0v4.3z"/><path d="M10 19.5h4"/>"#
        case .services: return #"<rect x="3.5" y="3.5" width="7" height="7" rx="1"/><rect x="13.5" y="3.5" width="7" height="7" rx="1"/><rect x="3.5" y="13.5" width="7" height="7" rx="1"/><rect x="13.5" y="13.5" width="7" height="7" rx="1"/>"#
        }
    }
}
