// Observations and notification attributes: when a notification fires (pmin, pmax, gt, lt, st,
// edge, epmin, epmax) and what it carries.
#include <algorithm>
#include <cmath>

#include "client_impl.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client {

namespace {

using lwm2m::Attribute;
using lwm2m::AttributeSet;
using lwm2m::Path;
using lwm2m::Record;

Duration seconds_of(double s) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(std::clamp(s, 0.0, 1e9)));  // bounded: no overflow
}

bool overlaps(const Path& a, const Path& b) {
  return a.is_prefix_of(b) || b.is_prefix_of(a);
}

// The timing attributes of an observation, in the form the timers use.
struct Timing {
  Duration pmin{};
  std::optional<Duration> pmax;  // set when pmax > 0 and pmax >= pmin
  Duration epmin{};
  std::optional<Duration> epmax;
  bool confirmable = false;
};

Timing timing_of(const AttributeSet& attrs) {
  Timing t;
  t.pmin = seconds_of(attrs.get(Attribute::Pmin).value_or(0));
  if (const auto pmax = attrs.get(Attribute::Pmax);
      pmax && *pmax > 0 && seconds_of(*pmax) >= t.pmin)
    t.pmax = seconds_of(*pmax);
  t.epmin = seconds_of(attrs.get(Attribute::Epmin).value_or(0));
  if (const auto epmax = attrs.get(Attribute::Epmax);
      epmax && *epmax > 0 && seconds_of(*epmax) >= t.epmin)
    t.epmax = seconds_of(*epmax);
  t.confirmable = attrs.get(Attribute::Con).value_or(0) == 1;
  return t;
}

// Whether the change from the last notified records to the current ones is reportable under the
// value conditions (gt, lt, st, edge). They apply to an observation of one value; with none set,
// or for anything else, every change is reportable.
bool reportable(const AttributeSet& attrs, const std::vector<Record>& last,
                const std::vector<Record>& current, ThresholdCrossing crossing) {
  const auto gt = attrs.get(Attribute::Gt);
  const auto lt = attrs.get(Attribute::Lt);
  const auto st = attrs.get(Attribute::St);
  const auto edge = attrs.get(Attribute::Edge);
  if (!gt && !lt && !st && !edge) return true;
  if (last.size() != 1 || current.size() != 1 || last[0].path != current[0].path) return true;
  const auto& before = last[0].value;
  const auto& after = current[0].value;
  if (edge) {
    const auto* b = before.get_if<bool>();
    const auto* a = after.get_if<bool>();
    if (b && a) return *edge == 1 ? (!*b && *a) : (*b && !*a);
  }
  if (!is_numeric(before) || !is_numeric(after)) return true;
  const double old_value = numeric_value(before);
  const double new_value = numeric_value(after);
  const bool either = crossing == ThresholdCrossing::Either;
  if (gt && (either ? (old_value > *gt) != (new_value > *gt) : old_value <= *gt && new_value > *gt))
    return true;
  if (lt && (either ? (old_value < *lt) != (new_value < *lt) : old_value >= *lt && new_value < *lt))
    return true;
  return st && std::fabs(new_value - old_value) >= *st;
}

}  // namespace

bool Client::Impl::can_observe(const Account& a) const {
  return a.observations.size() < config.max_observations_per_server;
}

void Client::Impl::add_observation(Account& a, coap::ObserverId observer, std::vector<Path> paths,
                                   bool composite, lwm2m::ContentFormat format,
                                   const AttributeSet& own, std::vector<Record> records,
                                   TimePoint t) {
  Observation o;
  o.observer = observer;
  o.paths = std::move(paths);
  o.composite = composite;
  o.format = format;
  o.own = own;
  o.last = std::move(records);
  o.last_notify = t;  // the Observe response is the first notification
  o.last_eval = t;
  a.observations.push_back(std::move(o));
}

void Client::Impl::remove_observer(coap::ObserverId observer) {
  for (auto& [ssid, a] : accounts)
    std::erase_if(a.observations, [&](const Observation& o) { return o.observer == observer; });
}

void Client::Impl::clear_observations(Account& a) {
  for (const auto& o : a.observations) (void)engine.remove_observer(o.observer);
  a.observations.clear();
}

AttributeSet Client::Impl::effective_attributes(const Account& a, const Path& path) const {
  AttributeSet effective;
  for (std::size_t depth = path.depth(); depth >= 1; --depth) {
    const auto it = a.attributes.find(path.truncated(depth));
    if (it != a.attributes.end()) effective = effective.inherit(it->second);
  }
  return effective;
}

namespace {

// Everything one observation step needs about the observation's account.
class Observer {
 public:
  Observer(Client::Impl& c, Account& a) : c_(c), a_(a) {}

  AttributeSet attributes(const Observation& o) const {
    AttributeSet attrs = o.own;
    if (!o.composite) attrs = attrs.inherit(c_.effective_attributes(a_, o.paths.front()));
    // Server-object defaults for the periods (Default Minimum / Maximum Period).
    if (!attrs.has(Attribute::Pmin))
      if (const auto v = c_.server_integer(a_, 2); v && *v > 0)
        attrs.set(Attribute::Pmin, static_cast<double>(*v));
    if (!attrs.has(Attribute::Pmax))
      if (const auto v = c_.server_integer(a_, 3); v && *v > 0)
        attrs.set(Attribute::Pmax, static_cast<double>(*v));
    return attrs;
  }

  // The observed values now; false when the observed target is gone.
  bool read(const Observation& o, std::vector<Record>& out) {
    // As the server may read now: rights taken away end its observations.
    if (!o.composite) return c_.read_path(o.paths.front(), out, &a_) == Outcome::Ok;
    for (const auto& p : o.paths) (void)c_.read_path(p, out, &a_);
    std::stable_sort(out.begin(), out.end(),
                     [](const Record& x, const Record& y) { return x.path < y.path; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const Record& x, const Record& y) { return x.path == y.path; }),
              out.end());
    return true;
  }

  // Sends a notification; false when the observation is over (gone, or an error was sent).
  bool notify(Observation& o, std::vector<Record> records, const Timing& timing, TimePoint t) {
    const Path base = o.composite ? Path() : o.paths.front();
    std::vector<std::uint8_t> payload;
    coap::Message m;
    m.code = coap::codes::Content;
    const bool encoded = !lwm2m::encode(o.format, records, base, payload);
    if (!encoded) {
      m.code = coap::codes::InternalServerError;  // ends the observation
    } else {
      lwm2m::set_content_format(m, o.format);
      m.set_payload(payload);
    }
    c_.wake(a_);  // queue mode: a notification goes out at once, waking the client
    coap::NotifyOptions options;
    options.confirmable = timing.confirmable;
    const bool sent = static_cast<bool>(c_.engine.notify(o.observer, std::move(m), t, options));
    if (sent) ++c_.stats.notifications_sent;
    o.last = std::move(records);
    o.last_notify = t;
    o.pending = false;
    return sent && encoded;
  }

  // Reads and compares (an evaluation); may notify. False when the observation is over.
  bool evaluate(Observation& o, const AttributeSet& attrs, const Timing& timing, TimePoint t) {
    o.eval_requested = false;
    o.last_eval = t;
    std::vector<Record> current;
    if (!read(o, current)) return gone(o, t);
    if (current != o.last && reportable(attrs, o.last, current, c_.config.threshold_crossing))
      o.pending = true;
    if (o.pending && t >= o.last_notify + timing.pmin)
      return notify(o, std::move(current), timing, t);
    return true;
  }

  // The observed target was deleted: 4.04 ends the observation (RFC 7641 §4.2).
  bool gone(Observation& o, TimePoint t) {
    (void)c_.engine.notify(o.observer, error_response(coap::codes::NotFound, {}), t);
    return false;
  }

  // Runs what is due at `t`; false when the observation is over.
  bool run(Observation& o, TimePoint t) {
    const AttributeSet attrs = attributes(o);
    const Timing timing = timing_of(attrs);
    if ((o.eval_requested && t >= o.last_eval + timing.epmin) ||
        (timing.epmax && t >= o.last_eval + *timing.epmax)) {
      if (!evaluate(o, attrs, timing, t)) return false;
    }
    if (o.pending && t >= o.last_notify + timing.pmin) {
      // A held change goes out once pmin has passed, unless the value went back meanwhile.
      std::vector<Record> current;
      if (!read(o, current)) return gone(o, t);
      if (current == o.last)
        o.pending = false;
      else if (!notify(o, std::move(current), timing, t))
        return false;
    }
    if (timing.pmax && t >= o.last_notify + *timing.pmax) {
      std::vector<Record> current;
      if (!read(o, current)) return gone(o, t);
      if (!notify(o, std::move(current), timing, t)) return false;
    }
    return true;
  }

  std::optional<TimePoint> due(const Observation& o) const {
    const Timing timing = timing_of(attributes(o));
    std::optional<TimePoint> due;
    const auto earliest = [&](TimePoint x) {
      if (!due || x < *due) due = x;
    };
    if (timing.pmax) earliest(o.last_notify + *timing.pmax);
    if (o.pending) earliest(o.last_notify + timing.pmin);
    if (o.eval_requested) earliest(o.last_eval + timing.epmin);
    if (timing.epmax) earliest(o.last_eval + *timing.epmax);
    return due;
  }

 private:
  Client::Impl& c_;
  Account& a_;
};

}  // namespace

void Client::Impl::observations_changed(const Path& path, TimePoint t) {
  for (auto& [ssid, a] : accounts) {
    Observer observer(*this, a);
    std::erase_if(a.observations, [&](Observation& o) {
      if (std::none_of(o.paths.begin(), o.paths.end(),
                       [&](const Path& p) { return overlaps(p, path); }))
        return false;
      o.eval_requested = true;
      return !observer.run(o, t);
    });
  }
}

void Client::Impl::observations_deleted(const Path& path, TimePoint t) {
  for (auto& [ssid, a] : accounts) {
    Observer observer(*this, a);
    std::erase_if(a.observations, [&](Observation& o) {
      if (o.composite || !path.is_prefix_of(o.paths.front())) return false;
      return !observer.gone(o, t);
    });
  }
}

void Client::Impl::observation_timers(Account& a, TimePoint t) {
  Observer observer(*this, a);
  std::erase_if(a.observations, [&](Observation& o) { return !observer.run(o, t); });
}

std::optional<TimePoint> Client::Impl::observation_due(Account& a) {
  Observer observer(*this, a);
  std::optional<TimePoint> due;
  for (const auto& o : a.observations) {
    const auto d = observer.due(o);
    if (d && (!due || *d < *due)) due = d;
  }
  return due;
}

}  // namespace drover::client
