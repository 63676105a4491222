// src/base/small_vector.h — a vector whose first N elements live inside it, for short lists
// built per request on hot paths (a script's keys, one command's keys): no allocation unless
// a list grows past N. Only for small, trivially copyable T; append-only.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

namespace cairn {

template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector&) = delete;
  SmallVector& operator=(const SmallVector&) = delete;

  void push_back(const T& value) {
    if (size_ < N) {
      inline_[size_++] = value;
      return;
    }
    if (size_ == N) heap_.assign(inline_.begin(), inline_.end());  // spill once
    heap_.push_back(value);
    ++size_;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* data() const { return size_ <= N ? inline_.data() : heap_.data(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  std::span<const T> span() const { return {data(), size_}; }
  operator std::span<const T>() const { return span(); }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // every element, once there are more than N
  size_t size_ = 0;
};

}  // namespace cairn
