#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <pugixml.hpp>
#include <system_error>

#include "drover/lwm2m/model/ddf.hpp"
#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

// A short quoted piece of file text for an error message, control characters masked so that a
// hostile file cannot send terminal escapes through it.
std::string excerpt(std::string_view s) {
  constexpr std::size_t shown = 40;
  std::string out = "\"";
  for (char c : s.substr(0, shown)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > shown) out += "...";
  return out + "\"";
}

// The element's own text (character data and CDATA), trimmed.
std::string text_of(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return std::string(detail::trim(out));
}

// A DOCTYPE is how DTDs, entity declarations and external references get in: none belongs in a DDF.
bool has_doctype(const pugi::xml_document& doc) {
  return doc.find_node([](pugi::xml_node n) { return n.type() == pugi::node_doctype; });
}

std::string position(std::string_view xml, std::ptrdiff_t offset) {
  const auto at = static_cast<std::size_t>(
      std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(xml.size())));
  const auto line =
      1 + std::count(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return "line " + std::to_string(line) + " (byte " + std::to_string(at) + ")";
}

// Reads one document without exceptions (device builds have none). The first error is kept, with
// where it happened; reading may go on past it, but what follows is not reported.
class Reader {
 public:
  explicit Reader(const DdfLimits& limits) : limits_(limits) {}

  const std::string& error() const { return error_; }

  std::vector<ObjectDef> document(std::string_view xml) {
    std::vector<ObjectDef> out;
    if (xml.size() > limits_.max_file_bytes) {
      fail(std::to_string(xml.size()) + " bytes, more than the limit of " +
           std::to_string(limits_.max_file_bytes));
      return out;
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(
        xml.data(), xml.size(), pugi::parse_default | pugi::parse_doctype, pugi::encoding_auto);
    if (!parsed) {
      fail(std::string("malformed XML at ") + position(xml, parsed.offset) + ": " +
           parsed.description());
      return out;
    }
    if (has_doctype(doc)) {
      fail("DOCTYPE declarations (DTDs, entities) are not allowed");
      return out;
    }
    const pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "LWM2M") {
      fail("not an LwM2M object definition: the root element is <" + std::string(root.name()) +
           ">, not <LWM2M>");
      return out;
    }
    const auto objects = root.children("Object");
    const auto count = static_cast<std::size_t>(std::distance(objects.begin(), objects.end()));
    if (count == 0) fail("no <Object> element");
    if (count > limits_.max_objects_per_file) {
      fail(std::to_string(count) + " objects, more than the limit of " +
           std::to_string(limits_.max_objects_per_file));
    }
    if (failed()) return out;
    out.reserve(count);
    for (pugi::xml_node object : objects) {
      out.push_back(this->object(object, out.size()));
      if (failed()) return {};
    }
    return out;
  }

 private:
  bool failed() const { return !error_.empty(); }
  void fail(std::string why) {
    if (!failed()) error_ = std::move(why);
  }
  // Puts `where` in front of an error raised since.
  void locate(const std::string& where) {
    if (failed()) error_ = where + ": " + error_;
  }

  // The only child element called `name`: null if absent, an error if repeated.
  pugi::xml_node only_child(pugi::xml_node parent, const char* name) {
    pugi::xml_node found;
    for (pugi::xml_node c : parent.children(name)) {
      if (found) {
        fail(std::string("<") + name + "> appears more than once");
        return {};
      }
      found = c;
    }
    return found;
  }

  pugi::xml_node required_child(pugi::xml_node parent, const char* name) {
    pugi::xml_node n = only_child(parent, name);
    if (!n) fail(std::string("<") + name + "> is missing");
    return n;
  }

  std::string required_text(pugi::xml_node parent, const char* name) {
    return text_of(required_child(parent, name));
  }

  std::string optional_text(pugi::xml_node parent, const char* name) {
    pugi::xml_node n = only_child(parent, name);
    return n ? text_of(n) : std::string();
  }

  std::uint16_t id(std::string_view text, const char* what) {
    const auto v = detail::parse_decimal(text, max_id);
    if (!v) fail(std::string(what) + " " + excerpt(text) + " is not a number in 0..65534");
    return static_cast<std::uint16_t>(v.value_or(0));
  }

  // One of two spellings of a yes/no column ("Multiple"/"Single", "Mandatory"/"Optional").
  bool flag(pugi::xml_node parent, const char* name, std::string_view yes, std::string_view no) {
    const std::string text = required_text(parent, name);
    if (detail::iequals(text, yes)) return true;
    if (!detail::iequals(text, no)) {
      fail(std::string("<") + name + "> is " + excerpt(text) + ", expected " + std::string(yes) +
           " or " + std::string(no));
    }
    return false;
  }

  Version version(pugi::xml_node parent, const char* name) {
    const std::string text = optional_text(parent, name);
    if (text.empty()) return Version{1, 0};  // the element is optional in both schemas
    const auto v = Version::parse(text);
    if (!v) fail(std::string("<") + name + "> " + excerpt(text) + " is not a version like 1.1");
    return v.value_or(Version{1, 0});
  }

  // Reads on past an error (what follows is ignored): `where` is the resource once its ID is known.
  ResourceDef item(pugi::xml_node node, std::size_t index) {
    ResourceDef r;
    const pugi::xml_attribute id_attribute = node.attribute("ID");
    if (!id_attribute)
      fail("no ID attribute");
    else
      r.id = id(detail::trim(id_attribute.value()), "ID");
    const std::string where =
        failed() ? "<Item> #" + std::to_string(index + 1) : "resource " + std::to_string(r.id);
    r.name = required_text(node, "Name");
    const std::string ops = required_text(node, "Operations");
    if (const auto parsed = operations_from_string(ops))
      r.operations = *parsed;
    else
      fail("<Operations> " + excerpt(ops) + " is not one of R, W, RW, E or empty");
    r.multiple = flag(node, "MultipleInstances", "Multiple", "Single");
    r.mandatory = flag(node, "Mandatory", "Mandatory", "Optional");
    const std::string type = required_text(node, "Type");
    if (const auto parsed =
            type.empty() ? std::optional(DataType::None) : data_type_from_string(type))
      r.type = *parsed;
    else
      fail("<Type> " + excerpt(type) + " is not an LwM2M data type");
    r.range = optional_text(node, "RangeEnumeration");
    r.units = optional_text(node, "Units");
    r.description = optional_text(node, "Description");
    locate(where);
    return r;
  }

  ObjectDef object(pugi::xml_node node, std::size_t index) {
    ObjectDef def;
    def.id = id(required_text(node, "ObjectID"), "<ObjectID>");
    const std::string where =
        failed() ? "<Object> #" + std::to_string(index + 1) : "object " + std::to_string(def.id);
    def.name = required_text(node, "Name");
    def.version = version(node, "ObjectVersion");
    def.lwm2m_version = version(node, "LWM2MVersion");
    def.urn = optional_text(node, "ObjectURN");
    def.multiple = flag(node, "MultipleInstances", "Multiple", "Single");
    def.mandatory = flag(node, "Mandatory", "Mandatory", "Optional");
    def.description = optional_text(node, "Description1");
    def.description2 = optional_text(node, "Description2");
    const pugi::xml_node resources = required_child(node, "Resources");
    const auto items = resources.children("Item");
    const auto count = static_cast<std::size_t>(std::distance(items.begin(), items.end()));
    if (count > limits_.max_resources_per_object) {
      fail(std::to_string(count) + " resources, more than the limit of " +
           std::to_string(limits_.max_resources_per_object));
    }
    if (!failed()) {
      def.resources.reserve(count);
      for (pugi::xml_node i : items) {
        def.resources.push_back(item(i, def.resources.size()));
        if (failed()) break;
      }
      std::sort(def.resources.begin(), def.resources.end(),
                [](const ResourceDef& a, const ResourceDef& b) { return a.id < b.id; });
      const auto twice = std::adjacent_find(
          def.resources.begin(), def.resources.end(),
          [](const ResourceDef& a, const ResourceDef& b) { return a.id == b.id; });
      if (twice != def.resources.end())
        fail("resource " + std::to_string(twice->id) + " is defined twice");
    }
    locate(where);
    return def;
  }

  const DdfLimits& limits_;
  std::string error_;
};

}  // namespace

DdfResult parse_ddf(std::string_view xml, std::string_view source, const DdfLimits& limits) {
  Reader reader(limits);
  DdfResult result;
  result.objects = reader.document(xml);
  if (!reader.error().empty()) {
    result.objects.clear();
    result.error = std::string(source) + ": " + reader.error();
  }
  return result;
}

DdfResult load_ddf_file(const std::filesystem::path& file, const DdfLimits& limits) {
  const auto refuse = [&](const std::string& why) {
    return DdfResult{{}, file.string() + ": " + why};
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return refuse(ec ? ec.message() : "not a regular file");
  }
  // stdio, not an ifstream: iostreams bring their locale machinery (1 MB linked statically) into
  // every device program that loads a DDF file.
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  const std::unique_ptr<std::FILE, Close> in(std::fopen(file.c_str(), "rb"));
  if (!in) return refuse("cannot be opened");
  // Read in chunks and stop past the limit: the size on disk may change under us.
  std::string data;
  std::array<char, 16384> chunk{};
  for (std::size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), in.get())) > 0;) {
    data.append(chunk.data(), n);
    if (data.size() > limits.max_file_bytes) {
      return refuse("larger than the limit of " + std::to_string(limits.max_file_bytes) + " bytes");
    }
  }
  if (std::ferror(in.get()) != 0) return refuse("read error");
  return parse_ddf(data, file.string(), limits);
}

}  // namespace drover::lwm2m
