#pragma once
// Everything a plugin needs, in one include.
#include "mosaic/call_context.hpp"
#include "mosaic/config_reader.hpp"
#include "mosaic/downstream.hpp"
#include "mosaic/http_client.hpp"
#include "mosaic/plugin.hpp"
#include "mosaic/plugin_export.hpp"
#include "mosaic/units.hpp"
