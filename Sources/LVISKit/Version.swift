public enum LVISKitVersion { public static let string = "0.1.0" }
