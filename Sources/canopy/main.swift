import CanopyCLI

Canopy.main()
