// store/types/zset/geo_order.cc — see geo_order.h.
#include "store/types/zset/geo_order.h"

#include <algorithm>
#include <utility>

namespace cairn::store::geo {
namespace {

// The partial quicksort over v, element indexes throughout. Only subarrays overlapping the
// wanted positions [0, last] are sorted further.
class PartialSort {
 public:
  PartialSort(std::vector<GeoPoint>& v, bool descending, size_t last)
      : v_(v), descending_(descending), last_(last) {}

  void Sort(size_t first, size_t n) {
    for (;;) {
      if (n < 7) return InsertionSort(first, n);
      size_t pivot = ChoosePivot(first, n);
      Swap(first, pivot);
      size_t less_end = 0, greater_begin = 0;
      Partition(first, n, &less_end, &greater_begin);
      size_t low_n = less_end - first;
      size_t high_n = first + n - greater_begin;
      if (low_n > 1 && Wanted(first)) Sort(first, low_n);
      if (high_n <= 1 || !Wanted(greater_begin)) return;
      first = greater_begin;  // the upper part iteratively, as the original does
      n = high_n;
    }
  }

 private:
  // -1, 0 or 1 as the distance of element i compares with element j's.
  int Compare(size_t i, size_t j) const {
    double a = v_[i].distance_m, b = v_[j].distance_m;
    int c = a > b ? 1 : (a == b ? 0 : -1);
    return descending_ ? -c : c;
  }
  void Swap(size_t i, size_t j) { std::swap(v_[i], v_[j]); }
  // Swaps the blocks of count elements at i and j (they never overlap).
  void SwapBlocks(size_t i, size_t j, size_t count) {
    for (size_t k = 0; k < count; ++k) Swap(i + k, j + k);
  }
  // A subarray starting at first is worth sorting when it reaches the wanted positions.
  bool Wanted(size_t first) const { return first <= last_; }

  void InsertionSort(size_t first, size_t n) {
    for (size_t m = first + 1; m < first + n; ++m) {
      for (size_t l = m; l > first && Compare(l - 1, l) > 0; --l) Swap(l, l - 1);
    }
  }

  size_t Median3(size_t a, size_t b, size_t c) const {
    if (Compare(a, b) < 0) {
      if (Compare(b, c) < 0) return b;
      return Compare(a, c) < 0 ? c : a;
    }
    if (Compare(b, c) > 0) return b;
    return Compare(a, c) < 0 ? a : c;
  }

  // The middle element for 7 elements, the median of first/middle/last up to 40, and the
  // median of three medians of three beyond.
  size_t ChoosePivot(size_t first, size_t n) const {
    size_t mid = first + n / 2;
    if (n == 7) return mid;
    size_t lo = first, hi = first + n - 1;
    if (n > 40) {
      size_t d = n / 8;
      lo = Median3(lo, lo + d, lo + 2 * d);
      mid = Median3(mid - d, mid, mid + d);
      hi = Median3(hi - 2 * d, hi - d, hi);
    }
    return Median3(lo, mid, hi);
  }

  // Three-way partition around the pivot at first: elements equal to it gather at both ends
  // while the scan runs, then move to the middle. On return [first, *less_end) is below the
  // pivot and [*greater_begin, first + n) above it.
  void Partition(size_t first, size_t n, size_t* less_end, size_t* greater_begin) {
    size_t eq_low = first + 1, scan_low = first + 1;
    size_t scan_high = first + n - 1, eq_high = first + n - 1;
    for (;;) {
      int c = 0;
      while (scan_low <= scan_high && (c = Compare(scan_low, first)) <= 0) {
        if (c == 0) Swap(eq_low++, scan_low);
        ++scan_low;
      }
      while (scan_low <= scan_high && (c = Compare(scan_high, first)) >= 0) {
        if (c == 0) Swap(scan_high, eq_high--);
        --scan_high;
      }
      if (scan_low > scan_high) break;
      Swap(scan_low++, scan_high--);
    }
    size_t end = first + n;
    size_t r = std::min(eq_low - first, scan_low - eq_low);
    SwapBlocks(first, scan_low - r, r);
    r = std::min(eq_high - scan_high, end - eq_high - 1);
    SwapBlocks(scan_low, end - r, r);
    *less_end = first + (scan_low - eq_low);
    *greater_begin = end - (eq_high - scan_high);
  }

  std::vector<GeoPoint>& v_;
  bool descending_;
  size_t last_;  // the last wanted position
};

}  // namespace

void SortByDistance(std::vector<GeoPoint>* points, bool descending, size_t wanted) {
  if (wanted >= points->size()) {
    std::stable_sort(points->begin(), points->end(), [&](const GeoPoint& a, const GeoPoint& b) {
      return descending ? a.distance_m > b.distance_m : a.distance_m < b.distance_m;
    });
    return;
  }
  if (wanted == 0) return;
  PartialSort(*points, descending, wanted - 1).Sort(0, points->size());
}

}  // namespace cairn::store::geo
