/// The attributes the city's sensor types carry as numbers (FIWARE smart data models: AirQualityObserved,
/// WaterLevelObserved, TrafficFlowObserved, WeatherObserved). A reading of one of them that is not a number is
/// refused, since a chart or an alert rule cannot use it; attributes of other types and other names are free.
public enum SensorVocabulary {
    static let numbers: [String: Set<String>] = [
        "AirQualityObserved": ["pm25", "pm10", "pm1", "no2", "o3", "co", "so2", "nh3", "airQualityIndex", "temperature", "relativeHumidity",
                               "precipitation", "windSpeed", "windDirection"],
        "WaterLevelObserved": ["waterLevel", "height", "flow", "flowRate", "precipitation", "alertLevel"],
        "TrafficFlowObserved": ["intensity", "occupancy", "averageVehicleSpeed", "averageVehicleLength", "averageGapDistance",
                                "averageHeadwayTime", "laneId"],
        "WeatherObserved": ["temperature", "relativeHumidity", "precipitation", "windSpeed", "windDirection", "atmosphericPressure"],
    ]

    public static func expectsNumber(_ attribute: String, in type: String) -> Bool {
        numbers[type]?.contains(attribute) ?? false
    }

    /// The sensor types the operations screens know how to draw.
    public static var types: [String] { numbers.keys.sorted() }
}
