// FreeType 2 (Debian's libfreetype-dev): rasterises the TrueType font that plots and pictures label with.
#include <ft2build.h>
#include FT_FREETYPE_H
