import CanopyCLI
import SymmetricKL

Canopy.main(plugins: .builtIn + [SymmetricKLLoss.self, LearnedMixModule.self, SymmetricDMLMethod.self])
