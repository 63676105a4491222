// src/commands/lolwut_art.cc — see lolwut_art.h. A byte per pixel holds a colour index; lines
// are Bresenham's, squares four lines between rotated corners.
#include "src/commands/lolwut_art.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace cairn::server::lolwut {
namespace {

class Canvas {
 public:
  Canvas(int width, int height, uint8_t background)
      : width_(width), height_(height), pixels_(static_cast<size_t>(width) * height, background) {}

  int width() const { return width_; }
  int height() const { return height_; }

  // Pixels outside the canvas are dropped on write and read as colour 0.
  void Set(int x, int y, uint8_t color) {
    if (x >= 0 && x < width_ && y >= 0 && y < height_) pixels_[Index(x, y)] = color;
  }
  uint8_t Get(int x, int y) const {
    return x >= 0 && x < width_ && y >= 0 && y < height_ ? pixels_[Index(x, y)] : 0;
  }

  void Line(int x0, int y0, int x1, int y1, uint8_t color) {
    int dx = std::abs(x1 - x0), dy = std::abs(y1 - y0);
    int step_x = x0 < x1 ? 1 : -1, step_y = y0 < y1 ? 1 : -1;
    int err = dx - dy;
    while (true) {
      Set(x0, y0, color);
      if (x0 == x1 && y0 == y1) return;
      int twice = 2 * err;
      if (twice > -dy) {
        err -= dy;
        x0 += step_x;
      }
      if (twice < dx) {
        err += dx;
        y0 += step_y;
      }
    }
  }

  // A square of the given side centred on (cx, cy), turned by angle radians. The corners
  // are computed in double, as Redis computes them, so that the same square rounds to the
  // same pixels.
  void Square(int cx, int cy, float side, float angle, uint8_t color) {
    float radius = static_cast<float>(side / 1.4142135623);  // half the diagonal
    radius = std::round(radius);
    int xs[4], ys[4];
    float a = static_cast<float>(std::numbers::pi / 4 + angle);
    for (int i = 0; i < 4; ++i) {
      xs[i] = static_cast<int>(std::round(std::sin(double{a}) * radius + cx));
      ys[i] = static_cast<int>(std::round(std::cos(double{a}) * radius + cy));
      a = static_cast<float>(a + std::numbers::pi / 2);
    }
    for (int i = 0; i < 4; ++i) Line(xs[i], ys[i], xs[(i + 1) % 4], ys[(i + 1) % 4], color);
  }

 private:
  size_t Index(int x, int y) const { return static_cast<size_t>(y) * width_ + x; }

  int width_, height_;
  std::vector<uint8_t> pixels_;
};

constexpr int kMaxLines = 1000;

int Clamp(int64_t v, int lo, int hi) { return static_cast<int>(std::clamp<int64_t>(v, lo, hi)); }

// A uniform float in [-limit, limit].
float Jitter(std::mt19937& rng, float limit) {
  return std::uniform_real_distribution<float>(-limit, limit)(rng);
}

// The Braille character for the 2 x 4 pixels whose top left is (x, y). Unicode numbers the
// dots down the left column (1, 2, 3), down the right (4, 5, 6), then the bottom pair (7, 8).
void AppendBraille(const Canvas& c, int x, int y, std::string* out) {
  static constexpr int kDots[8][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0},
                                      {1, 1}, {1, 2}, {0, 3}, {1, 3}};
  int code = 0x2800;
  for (int bit = 0; bit < 8; ++bit) {
    if (c.Get(x + kDots[bit][0], y + kDots[bit][1]) != 0) code |= 1 << bit;
  }
  out->push_back(static_cast<char>(0xE0 | (code >> 12)));  // three UTF-8 bytes
  out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
  out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
}

struct Building {
  int left, width, height;
  uint8_t color;
  bool windows;
};

// Lit windows: two pixels wide and one tall (a terminal cell is twice as tall as wide),
// every other pair of columns and every other row, away from the walls, roof and ground.
bool IsWindow(const Building& b, int x, int y, int top, int ground) {
  if (!b.windows || x <= b.left + 1 || x >= b.left + b.width - 2 || y <= top + 1 ||
      y >= ground - 1) {
    return false;
  }
  return (x - b.left - 1) / 2 % 2 == 1 && (y - top - 1) % 2 == 1;
}

void DrawBuilding(Canvas& c, const Building& b, std::mt19937& rng) {
  int ground = c.height() - 1, top = ground - b.height + 1;
  for (int y = ground; y >= top; --y) {
    for (int x = b.left; x < b.left + b.width; ++x) {
      if (y == top && (x <= b.left + 1 || x >= b.left + b.width - 2)) continue;  // the roof
      uint8_t color = b.color;
      if (IsWindow(b, x, y, top, ground)) {
        bool second_pixel = (x - b.left - 1) % 2 == 1;
        color = second_pixel ? c.Get(x - 1, y) : static_cast<uint8_t>(1 + rng() % 2);
      }
      c.Set(x, y, color);
    }
  }
}

// How one street's buildings are drawn.
struct Street {
  uint8_t color;
  bool windows;
  int min_width;  // each building is min_width plus up to width_spread - 1 columns wide
  int width_spread;
  int height_div;  // and a half (a third with windows) of the canvas tall plus up to
                   // height / height_div
  int gap;         // columns from one building's end to the next one's start, plus 0..7;
                   // negative: half of the building's width back (overlapping)
};

void DrawStreet(Canvas& c, const Street& street, std::mt19937& rng) {
  Building b{.color = street.color, .windows = street.windows};
  for (int x = -10; x < c.width();) {
    x += static_cast<int>(rng() % 8);
    b.left = x;
    b.width = street.min_width + static_cast<int>(rng() % street.width_spread);
    if (b.windows && b.width % 4 != 0) b.width += b.width % 3;
    int base = b.windows ? c.height() / 3 : c.height() / 2;
    b.height = base + static_cast<int>(rng() % std::max(1, c.height() / street.height_div));
    DrawBuilding(c, b, rng);
    x += street.gap < 0 ? b.width / 2 : b.width + street.gap;
  }
}

}  // namespace

std::string Schotter(int64_t cols, int64_t squares_per_row, int64_t squares_per_col,
                     std::mt19937& rng) {
  int per_row = Clamp(squares_per_row, 1, 200), per_col = Clamp(squares_per_col, 1, 200);
  int width = Clamp(cols, 1, 1000) * 2;
  int padding = width > 4 ? 2 : 0;
  float side = static_cast<float>(width - 2 * padding) / per_row;
  // The squares alone would size the canvas: 1000 columns with one square per row and 200
  // rows make an 800 MB canvas and a 300 MB reply. The drawing is cut at 1000 lines of text
  // instead (4 pixels a line), the skyline's limit; lower squares fall off the canvas.
  int height = std::min(static_cast<int>(side * per_col) + 2 * padding, kMaxLines * 4);
  Canvas canvas(width, height, 0);
  for (int row = 0; row < per_col; ++row) {
    for (int col = 0; col < per_row; ++col) {
      float cx = col * side + side / 2 + padding, cy = row * side + side / 2 + padding;
      float angle = 0;
      if (row > 1) {  // the first two rows stand straight; disorder grows downwards
        float limit = static_cast<float>(row) / per_col;
        angle = Jitter(rng, limit);
        cx += Jitter(rng, limit) * side / 3;
        cy += Jitter(rng, limit) * side / 3;
      }
      canvas.Square(static_cast<int>(cx), static_cast<int>(cy), side, angle, 1);
    }
  }
  std::string out;
  for (int y = 0; y < canvas.height(); y += 4) {
    for (int x = 0; x < canvas.width(); x += 2) AppendBraille(canvas, x, y, &out);
    if (y != canvas.height() - 1) out += '\n';
  }
  return out + "\nGeorg Nees - schotter, plotter on paper, 1968. ";
}

std::string Skyline(int64_t cols, int64_t rows, std::mt19937& rng) {
  Canvas canvas(Clamp(cols, 1, 1000), Clamp(rows, 1, kMaxLines), 3);
  // The lighter grey street first, so that it stays behind the darker one.
  DrawStreet(canvas,
             {.color = 2,
              .windows = false,
              .min_width = 10,
              .width_spread = 9,
              .height_div = 2,
              .gap = -1},
             rng);
  DrawStreet(
      canvas,
      {.color = 1, .windows = false, .min_width = 10, .width_spread = 9, .height_div = 3, .gap = 1},
      rng);
  DrawStreet(
      canvas,
      {.color = 0, .windows = true, .min_width = 5, .width_spread = 14, .height_div = 2, .gap = 5},
      rng);
  // Background and foreground both set, so that every terminal shows the same block.
  static constexpr const char* kColors[4] = {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"};
  std::string out;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) {
      out += "\033[";
      out += kColors[canvas.Get(x, y) & 3];
      out += " \033[0m";
    }
    if (y != canvas.height() - 1) out += '\n';
  }
  return out +
         "\nDedicated to the 8 bit game developers of past and present.\n"
         "Original 8 bit image from Plaguemon by hikikomori. ";
}

}  // namespace cairn::server::lolwut
