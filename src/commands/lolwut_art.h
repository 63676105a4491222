// src/commands/lolwut_art.h — the computer art of LOLWUT VERSION 5 and 6, drawn afresh (and
// differently) on every call, as Redis draws it.
//
// Both draw on a canvas of pixels and render it as text:
// - VERSION 5, Georg Nees's "Schotter" (1968): a grid of squares that tilt and wander more the
//   lower their row. Rendered in Unicode Braille, each character holding 2 x 4 pixels.
// - VERSION 6, a city skyline: grey buildings behind, black ones with lit windows in front.
//   Each pixel is one space with ANSI background and foreground colours.
// Pure: the caller passes the random source; any thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace cairn::server::lolwut {

// The Schotter for a terminal cols characters wide, with squares_per_row x squares_per_col
// squares, followed by its caption (the caller appends the version). Arguments are clamped:
// cols to 1..1000, the square counts to 1..200; the drawing stops at 1000 lines (Redis's
// would grow to 100,000 lines for one square per row and 200 rows).
std::string Schotter(int64_t cols, int64_t squares_per_row, int64_t squares_per_col,
                     std::mt19937& rng);

// The skyline, cols x rows characters (each clamped to 1..1000), followed by its caption
// (the caller appends the version).
std::string Skyline(int64_t cols, int64_t rows, std::mt19937& rng);

}  // namespace cairn::server::lolwut
