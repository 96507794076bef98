#include "mosaic/sdk.hpp"
