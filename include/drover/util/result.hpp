// A value or an error (std::expected is C++23). Each layer names its own error enum:
// coap::Result<T> is Result<T, coap::Error>, and so on.
#pragma once

#include <utility>
#include <variant>

namespace drover {

template <typename T, typename E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E e) : v_(std::in_place_index<1>, e) {}                     // NOLINT
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const { return value(); }
  E error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace drover
