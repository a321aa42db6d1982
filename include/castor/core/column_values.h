// The values of a numeric column: a std::vector<double> that columns holding the same numbers
// share (a common column that is a raw column under castor's name and unit, a copy of a table),
// copied on its first write.
//
// Reading goes through the const members (or the conversion to const std::vector<double>&)
// and never copies. A non-const member that can write (operator[], begin/end, data, the
// vector's modifiers, mut()) first gives this column storage of its own when another column
// shares it, so a write never shows through another column. A reference obtained from a
// writing member stays valid only until the column is copied or assigned.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace castor {

class ColumnValues {
 public:
  using value_type = double;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using const_iterator = std::vector<double>::const_iterator;
  using iterator = std::vector<double>::iterator;
  using const_reference = const double&;
  using reference = double&;

  ColumnValues() = default;
  ColumnValues(std::vector<double> v) : p_(std::make_shared<std::vector<double>>(std::move(v))) {}  // NOLINT: implicit
  ColumnValues(std::initializer_list<double> v) : p_(std::make_shared<std::vector<double>>(v)) {}
  ColumnValues(size_type n, double value) : p_(std::make_shared<std::vector<double>>(n, value)) {}
  ColumnValues(const ColumnValues&) = default;
  ColumnValues(ColumnValues&&) noexcept = default;
  ~ColumnValues() = default;
  // Assigning to a column that owns its storage alone writes into that storage, as a
  // std::vector would: a reference taken from the column before stays valid.
  ColumnValues& operator=(std::vector<double> v) {
    if (owns_alone())
      *p_ = std::move(v);
    else
      p_ = std::make_shared<std::vector<double>>(std::move(v));
    return *this;
  }
  ColumnValues& operator=(const ColumnValues& o) {
    if (this == &o || p_ == o.p_) return *this;
    if (owns_alone())
      *p_ = o.get();
    else
      p_ = o.p_;
    return *this;
  }
  ColumnValues& operator=(ColumnValues&& o) noexcept {
    if (this == &o || p_ == o.p_) return *this;
    if (owns_alone() && o.owns_alone()) {
      *p_ = std::move(*o.p_);
      o.p_.reset();
    } else if (owns_alone() && o.p_) {
      p_->assign(o.p_->begin(), o.p_->end());  // may throw bad_alloc: terminate, as any allocation failure here
      o.p_.reset();
    } else if (owns_alone()) {
      p_->clear();
    } else {
      p_ = std::move(o.p_);
    }
    return *this;
  }

  // Reading: never copies.
  const std::vector<double>& get() const { return p_ ? *p_ : empty_vector(); }
  operator const std::vector<double>&() const { return get(); }  // NOLINT: implicit
  size_type size() const { return p_ ? p_->size() : 0; }
  bool empty() const { return size() == 0; }
  const double& operator[](size_type i) const { return (*p_)[i]; }
  const double* data() const { return p_ ? p_->data() : nullptr; }
  const_iterator begin() const { return get().begin(); }
  const_iterator end() const { return get().end(); }
  const_iterator cbegin() const { return get().begin(); }
  const_iterator cend() const { return get().end(); }
  const double& front() const { return p_->front(); }
  const double& back() const { return p_->back(); }

  // Writing: storage of this column's own first.
  std::vector<double>& mut() {
    if (!p_)
      p_ = std::make_shared<std::vector<double>>();
    else if (p_.use_count() > 1)
      p_ = std::make_shared<std::vector<double>>(*p_);
    return *p_;
  }
  double& operator[](size_type i) { return mut()[i]; }
  double* data() { return mut().data(); }
  iterator begin() { return mut().begin(); }
  iterator end() { return mut().end(); }
  double& front() { return mut().front(); }
  double& back() { return mut().back(); }
  void push_back(double x) { mut().push_back(x); }
  void reserve(size_type n) { mut().reserve(n); }
  void resize(size_type n) { mut().resize(n); }
  void resize(size_type n, double x) { mut().resize(n, x); }
  void clear() {
    if (owns_alone())
      p_->clear();
    else
      p_.reset();
  }
  template <class... A>
  void assign(A&&... a) {
    std::vector<double> v;
    v.assign(std::forward<A>(a)...);
    *this = std::move(v);
  }
  template <class... A>
  iterator insert(const_iterator pos, A&&... a) {
    const auto at = pos - get().begin();  // before mut() may move the storage
    auto& v = mut();
    return v.insert(v.begin() + at, std::forward<A>(a)...);
  }

  // The values as a vector of the caller's own (moved out when no other column shares them).
  std::vector<double> take() && {
    if (!p_) return {};
    std::vector<double> v = p_.use_count() == 1 ? std::move(*p_) : *p_;
    p_.reset();
    return v;
  }

  // Whether both hold the very same storage (not merely equal numbers).
  bool shares_storage_with(const ColumnValues& o) const { return p_ && p_ == o.p_; }

  friend bool operator==(const ColumnValues& a, const ColumnValues& b) { return a.get() == b.get(); }
  friend bool operator==(const ColumnValues& a, const std::vector<double>& b) { return a.get() == b; }

 private:
  static const std::vector<double>& empty_vector() {
    static const std::vector<double> e;
    return e;
  }
  bool owns_alone() const { return p_ && p_.use_count() == 1; }
  std::shared_ptr<std::vector<double>> p_;
};

}  // namespace castor
