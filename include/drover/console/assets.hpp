// The web console of the server: its pages, scripts, styles and the plotting library, built into
// the program from src/console/web (and the npm packages it names), served at "/" by the HTTP
// server (http::AssetTable). What the pages show and do: docs/console.md.
#pragma once

#include <span>

#include "drover/http/static_assets.hpp"

namespace drover::console {

std::span<const http::Asset> assets();

}  // namespace drover::console
