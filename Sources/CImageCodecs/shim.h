// The system image codecs LTDet decodes and encodes with: libjpeg-turbo's TurboJPEG API and
// libpng's simplified API (png_image_*), which reports errors in a struct instead of longjmp,
// so Swift can call it safely.
#include <turbojpeg.h>
#include <png.h>
