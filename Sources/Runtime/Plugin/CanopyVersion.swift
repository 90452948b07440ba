/// The version of Canopy.
public enum CanopyVersion {
    public static let string = "0.1.0"
}
