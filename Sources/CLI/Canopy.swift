import ArgumentParser
import CanopyPlugins
import CanopyRuntime
import CanopySpecs

/// The `canopy` command-line tool as a library, so a researcher's package can ship its
/// own executable with its own plugins and no fork of Canopy:
///
/// ```swift
/// import CanopyCLI
/// import MyLosses
///
/// Canopy.main(plugins: .builtIn + [MyLoss.self])
/// ```
///
/// Every command (`run`, `eval`, `export`, `check`, `plan`, `plugins`, `bench`)
/// compiles specs with exactly these plugins, and `plugins` lists them.
public enum Canopy {
    /// The plugins of the running command. swift-argument-parser creates the command
    /// structs itself, so the list reaches them as a task-local value bound around the
    /// parse-and-run in `main(plugins:)`, not as a stored property or a mutable global.
    @TaskLocal static var plugins: PluginList = .builtIn

    /// Parses the process arguments and runs the command with `plugins` registered. On
    /// failure the process exits with the command's status (1 for spec errors, 64 for
    /// usage errors); on success it returns.
    public static func main(plugins: PluginList = .builtIn) {
        $plugins.withValue(plugins) { CanopyCommand.main() }
    }

    /// The plugin set of the running command; a duplicate plugin name is an error that
    /// names both types.
    static func pluginSet() throws(RegistryError) -> PluginSet { try plugins.set() }
}
