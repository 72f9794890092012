// Cross-check against independent implementations: Python's cbor2 and json modules read what our
// encoders write, and our decoders read what they write. python3 and cbor2 (Debian python3-cbor2,
// installed by scripts/install-deps) are required: without them these tests fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "support/temp_dir.hpp"
#include "unit/lwm2m_formats/codec_test_util.hpp"
#include "unit/lwm2m_formats/tree_generator.hpp"

namespace drover::lwm2m {
namespace {

using drover::testing::TempDir;
using testing::Bytes;
using testing::rec;

// "decode FILE...": prints each file (".json": JSON, else CBOR) in CBOR diagnostic-like notation,
// one line each. "encode DIR": writes payloads made with cbor2/json into DIR. "records INDEX":
// reads the payloads INDEX lists ("KIND FILE [EXTRA]" lines) as LwM2M records, with only json,
// cbor2 and base64, and prints "== FILE" then "PATH VALUE TIME" per record, or "!! why".
constexpr std::string_view script = R"PY(
import base64, datetime, json, math, os, struct, sys
import cbor2, cbor2.decoder

# Keep tag 1 (epoch time) as a tag: cbor2 would build a datetime, which cannot hold every 64-bit
# count of seconds. The pure-Python decoder reads this table.
cbor2.decoder.semantic_decoders[1] = lambda d: cbor2.CBORTag(1, d.decode())

def strict_json(data):
    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys): raise ValueError('repeated member')
        return dict(items)
    def constant(name): raise ValueError(name + ' is not JSON')
    return json.loads(data.decode('utf-8'), object_pairs_hook=pairs, parse_constant=constant)

def num(x):
    if isinstance(x, bool) or not isinstance(x, (int, float)): raise ValueError('not a number')
    if isinstance(x, int): return 'int:%d' % x
    return 'float:nan' if math.isnan(x) else 'float:' + struct.pack('>d', x).hex()

def boolean(x):
    if not isinstance(x, bool): raise ValueError('not a boolean')
    return 'bool:true' if x else 'bool:false'

def text(x):
    if not isinstance(x, str): raise ValueError('not a text string')
    return 'str:' + x.encode('utf-8').hex()

def when(t):
    return '-' if t is None else struct.pack('>d', float(t)).hex()

def b64(x, url):
    padded = x + '=' * (-len(x) % 4)
    return base64.b64decode(padded, altchars=b'-_' if url else None, validate=True)

SENML_CBOR_LABELS = {-2: 'bn', -3: 'bt', 0: 'n', 2: 'v', 3: 'vs', 4: 'vb', 8: 'vd', 6: 't',
                     'vlo': 'vlo'}

def senml(pack, cbor):
    if not isinstance(pack, list): raise ValueError('a pack is an array')
    bn, bt, out = '', None, []
    for record in pack:
        if cbor: record = {SENML_CBOR_LABELS[k]: v for k, v in record.items()}
        bn = record.get('bn', bn)
        bt = record.get('bt', bt)
        name = bn + record.get('n', '')
        t = None if bt is None and 't' not in record else (bt or 0) + record.get('t', 0)
        labels = [k for k in ('v', 'vs', 'vb', 'vd', 'vlo') if k in record]
        if len(labels) > 1: raise ValueError('two values')
        value = 'none'
        if labels:
            k, x = labels[0], record[labels[0]]
            if k == 'v': value = num(x)
            elif k == 'vs': value = text(x)
            elif k == 'vb': value = boolean(x)
            elif k == 'vd': value = 'bytes:' + (x if cbor else b64(x, True)).hex()
            else: value = 'objlnk:' + x
        out.append((name, value, t))
    return out

def oma_json(doc, opaque):
    bn, bt, out = doc.get('bn', ''), doc.get('bt'), []
    for entry in doc.get('e', []):
        name = bn + entry['n']
        t = None if bt is None and 't' not in entry else (bt or 0) + entry.get('t', 0)
        value = 'none'
        if 'v' in entry: value = num(entry['v'])
        elif 'sv' in entry:
            value = 'bytes:' + b64(entry['sv'], False).hex() if name in opaque else text(entry['sv'])
        elif 'bv' in entry: value = boolean(entry['bv'])
        elif 'ov' in entry: value = 'objlnk:' + entry['ov']
        out.append((name, value, t))
    return out

def cbor_value(x):
    if x is None: return 'none'
    if isinstance(x, cbor2.CBORTag):
        if x.tag != 1: raise ValueError('tag %d' % x.tag)
        return 'tag1:' + num(x.value)
    if isinstance(x, bool): return boolean(x)
    if isinstance(x, (int, float)): return num(x)
    if isinstance(x, str): return text(x)
    if isinstance(x, bytes): return 'bytes:' + x.hex()
    raise ValueError('not a resource value: %r' % (x,))

def lwm2m_cbor(node, prefix, out):
    if not isinstance(node, dict): raise ValueError('a level is a map')
    for key, value in node.items():
        ids = list(key) if isinstance(key, tuple) else [key]
        if not ids or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            raise ValueError('a key is an ID or an array of IDs')
        path = prefix + ids
        if isinstance(value, dict): lwm2m_cbor(value, path, out)
        else: out.append(('/' + '/'.join(map(str, path)), cbor_value(value), None))
    return out

def cbor_sequence(data, paths):
    import io
    stream = io.BytesIO(data)
    decoder = cbor2.decoder.CBORDecoder(stream)
    out = []
    for path in paths:
        out.append((path, cbor_value(decoder.decode()), None))
    if stream.tell() != len(data): raise ValueError('bytes after the last item')
    return out

def read_records(kind, data, extra):
    if kind == 'senml-json': return senml(strict_json(data), False)
    if kind == 'senml-cbor': return senml(cbor2.decoder.loads(data), True)
    if kind == 'oma-json': return oma_json(strict_json(data), set(extra))
    if kind == 'lwm2m-cbor': return lwm2m_cbor(cbor2.decoder.loads(data), [], [])
    if kind == 'cbor-seq': return cbor_sequence(data, extra)
    raise ValueError('unknown kind ' + kind)

def canon(x):
    if isinstance(x, bool): return 'true' if x else 'false'
    if x is None: return 'null'
    if isinstance(x, int): return str(x)
    if isinstance(x, float):
        if math.isnan(x): return 'NaN'
        if math.isinf(x): return 'Infinity' if x > 0 else '-Infinity'
        return repr(x)
    if isinstance(x, str): return json.dumps(x, ensure_ascii=False)
    if isinstance(x, (bytes, bytearray)): return "h'" + x.hex() + "'"
    if isinstance(x, (list, tuple)): return '[' + ','.join(canon(v) for v in x) + ']'
    if isinstance(x, dict):
        return '{' + ','.join(canon(k) + ':' + canon(v) for k, v in x.items()) + '}'
    if isinstance(x, datetime.datetime): return '1(' + str(int(x.timestamp())) + ')'
    if isinstance(x, cbor2.CBORTag): return str(x.tag) + '(' + canon(x.value) + ')'
    raise TypeError(type(x))

if sys.argv[1] == 'records':
    for line in open(sys.argv[2]).read().splitlines():
        kind, path, *rest = line.split(' ')
        extra = open(rest[0]).read().split() if rest else []
        print('== ' + path)
        try:
            for name, value, t in read_records(kind, open(path, 'rb').read(), extra):
                print(name, value, when(t))
        except Exception as e:
            print('!! %s: %s' % (type(e).__name__, e))
elif sys.argv[1] == 'decode':
    for path in sys.argv[2:]:
        data = open(path, 'rb').read()
        value = json.loads(data.decode('utf-8')) if path.endswith('.json') else cbor2.loads(data)
        print(canon(value))
else:
    out = sys.argv[2]
    def write(name, data):
        with open(os.path.join(out, name), 'wb') as f: f.write(data)
    write('senml.cbor', cbor2.dumps([
        {-2: '/3303/0/', -3: 1700000000.0, 0: '5700', 2: 20.5},
        {0: '5700', 2: 21.0, 6: 10.0},
        {-2: '/5/0/', 0: '0', 8: b'\x00\xff'},
        {0: '1', 3: 'caf\u00e9 \U0001F600'},
        {-2: '/4/0/', 0: '1', 'vlo': '3:0'}]))
    write('lwm2m.cbor', cbor2.dumps({(3, 0): {0: 'Open Mobile Alliance', 9: 100}, (1, 0, 1): 86400}))
    write('time.cbor', cbor2.dumps(cbor2.CBORTag(1, 1700000000)))
    write('senml.json', json.dumps([
        {'bn': '/5/0/', 'n': '1', 'vs': 'caf\u00e9 \U0001F600\n'},
        {'n': '0', 'vd': 'AP8'},
        {'bn': '/3303/0/5700', 'bt': 1.7e9, 'v': 20.5, 't': 0.25}]).encode('ascii'))
    write('oma.json', json.dumps(
        {'e': [{'n': '9', 'v': 100}, {'n': '14', 'sv': '+02:00'}], 'bn': '/3/0/'}).encode('ascii'))
)PY";

std::string hex_of(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0xF];
  }
  return out;
}

std::string bits_of(double d) {
  std::string out(16, '0');
  auto bits = std::bit_cast<std::uint64_t>(d);
  for (std::size_t i = 16; i-- > 0; bits >>= 4) out[i] = "0123456789abcdef"[bits & 0xF];
  return out;
}

// A value as the script prints it: its JSON or CBOR type and its exact content. application/cbor
// and LwM2M CBOR carry Time under tag 1 and object links as text; the JSON formats and SenML
// carry Time as a plain number and object links in their own field.
std::string canon_value(ContentFormat format, const Value& v) {
  const bool cbor_items = format == ContentFormat::Cbor || format == ContentFormat::Lwm2mCbor;
  switch (v.type()) {
    case DataType::None:
      return "none";
    case DataType::String:
      return "str:" + hex_of(v.get<std::string>());
    case DataType::Corelnk:
      return "str:" + hex_of(v.get<Corelnk>().text);
    case DataType::Integer:
      return "int:" + std::to_string(v.get<std::int64_t>());
    case DataType::UnsignedInteger:
      return "int:" + std::to_string(v.get<std::uint64_t>());
    case DataType::Time:
      return (cbor_items ? "tag1:int:" : "int:") + std::to_string(v.get<Time>().seconds);
    case DataType::Float:
      return std::isnan(v.get<double>()) ? "float:nan" : "float:" + bits_of(v.get<double>());
    case DataType::Boolean:
      return v.get<bool>() ? "bool:true" : "bool:false";
    case DataType::Opaque: {
      const auto& bytes = v.get<Opaque>();
      return "bytes:" + hex_of({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
    }
    case DataType::Objlnk: {
      const std::string link = std::to_string(v.get<Objlnk>().object_id) + ":" +
                               std::to_string(v.get<Objlnk>().instance_id);
      return cbor_items ? "str:" + hex_of(link) : "objlnk:" + link;
    }
  }
  return "?";
}

// "PATH VALUE TIME", the script's line for one record.
std::string record_line(ContentFormat format, const Record& r) {
  return r.path.to_string() + " " + canon_value(format, r.value) + " " +
         (r.time ? bits_of(*r.time) : "-");
}

class Crosscheck : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
      const std::string probe = std::string(candidate) + " -c 'import cbor2' >/dev/null 2>&1";
      if (std::system(probe.c_str()) == 0) {
        python_ = candidate;
        break;
      }
    }
    ASSERT_FALSE(python_.empty())
        << "python3 with the cbor2 module is required for the cross-checks (Debian python3-cbor2, "
           "installed by scripts/install-deps)";
    script_ = dir_.write("crosscheck.py", script);
  }

  std::string run(const std::string& arguments) {
    const auto output = dir_.path() / "output.txt";
    const std::string command =
        python_ + " " + script_.string() + " " + arguments + " > " + output.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(output);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(status, 0) << text;
    return text;
  }

  // One payload our codec writes: the file's extension says JSON (".json") or CBOR.
  struct Payload {
    testing::EncodeFn encode;
    std::vector<Record> records;
    std::string_view extension;
  };

  // What the independent decoder makes of each payload, one line each, in one Python run.
  std::vector<std::string> seen_by_python(const std::vector<Payload>& payloads) {
    std::string files;
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      const Bytes bytes = testing::encode_ok(payloads[i].encode, payloads[i].records);
      const auto file =
          dir_.write("payload" + std::to_string(i) + std::string(payloads[i].extension),
                     std::string(bytes.begin(), bytes.end()));
      files += " " + file.string();
    }
    std::vector<std::string> lines;
    std::istringstream output(run("decode" + files));
    for (std::string line; std::getline(output, line);) lines.push_back(line);
    return lines;
  }

  Bytes written_by_python(std::string_view file) {
    std::ifstream in(dir_.path() / file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Encodes the random trees of `seeds` seeds with `format`'s encoder (each record alone for
  // application/cbor), has one Python process read all the payloads back as records, and checks
  // that every record comes back: its path, its value (type and bits) and its time.
  void check_random_trees(ContentFormat format, std::uint32_t seeds) {
    const bool single = format == ContentFormat::Cbor;
    const auto& traits = testing::traits_of(single ? ContentFormat::SenmlCbor : format);
    const bool sorted = !single && !traits.order_kept;
    std::string index;
    std::map<std::string, std::vector<std::string>> expected;  // payload file -> record lines
    std::set<DataType> types_seen;
    for (std::uint32_t seed = 1; seed <= seeds; ++seed) {
      testing::MapResolver types;
      Path base;
      const auto records = testing::TreeGenerator(seed, traits).generate(types, base);
      Bytes payload;
      std::string extra;  // application/cbor: the path of each item; OMA JSON: the Opaque paths
      std::vector<std::string> lines;
      for (const Record& r : records) {
        types_seen.insert(r.value.type());
        const Record carried{r.path, r.value, traits.timestamps && !single ? r.time : std::nullopt};
        lines.push_back(record_line(format, carried));
        if (single) {
          const auto error = encode(format, std::span(&carried, 1), r.path, payload);
          ASSERT_FALSE(error) << "seed " << seed << ": " << error->message;
          extra += r.path.to_string() + "\n";
        } else if (format == ContentFormat::OmaJson && r.value.type() == DataType::Opaque) {
          extra += r.path.to_string() + "\n";
        }
      }
      if (!single) {
        const auto error = encode(format, records, base, payload);
        ASSERT_FALSE(error) << "seed " << seed << ": " << error->message;
      }
      const std::string name = "seed" + std::to_string(seed);
      const auto file = dir_.write(name + ".payload", std::string(payload.begin(), payload.end()));
      index += std::string(script_kind(format)) + " " + file.string();
      if (single || format == ContentFormat::OmaJson) {
        index += " " + dir_.write(name + ".extra", extra).string();
      }
      index += "\n";
      if (sorted) std::sort(lines.begin(), lines.end());
      expected[file.string()] = std::move(lines);
    }
    EXPECT_EQ(types_seen.size(), 9u) << "every data type but None goes through";

    const std::string output = run("records " + dir_.write("index.txt", index).string());
    std::map<std::string, std::vector<std::string>> got;
    std::vector<std::string>* section = nullptr;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("== ")) {
        section = &got[line.substr(3)];
      } else if (section != nullptr) {
        section->push_back(line);
      } else {
        ADD_FAILURE() << "unexpected output: " << line;
      }
    }
    ASSERT_EQ(got.size(), expected.size()) << output.substr(0, 2000);
    for (auto& [file, records] : got) {
      if (sorted) std::sort(records.begin(), records.end());
      EXPECT_EQ(records, expected[file]) << to_string(format) << " " << file;
    }
  }

 private:
  static std::string_view script_kind(ContentFormat format) {
    switch (format) {
      case ContentFormat::SenmlJson:
        return "senml-json";
      case ContentFormat::SenmlCbor:
        return "senml-cbor";
      case ContentFormat::OmaJson:
        return "oma-json";
      case ContentFormat::Lwm2mCbor:
        return "lwm2m-cbor";
      default:
        return "cbor-seq";
    }
  }

 protected:
  TempDir dir_{"formats_crosscheck"};
  std::string python_;
  std::filesystem::path script_;
};

TEST_F(Crosscheck, PythonReadsOurSingleCborValues) {
  const Path path(3, 0, 13);
  const testing::EncodeFn at_record = [](std::span<const Record> r, const Path&,
                                         std::vector<std::uint8_t>& out) {
    return detail::encode_cbor(r, r.front().path, out);
  };
  std::vector<Payload> payloads;
  for (Value v : {Value(Time{1700000000}), Value(1.5), Value(0.1),
                  Value(std::numeric_limits<double>::quiet_NaN()),
                  Value(-std::numeric_limits<double>::infinity()),
                  Value(std::numeric_limits<std::uint64_t>::max()),
                  Value(std::numeric_limits<std::int64_t>::min()), Value(Opaque{0x00, 0xFF}),
                  Value(Objlnk{3, 0}), Value("caf\xc3\xa9")}) {
    payloads.push_back({at_record, {rec(path, std::move(v))}, ".cbor"});
  }
  EXPECT_EQ(seen_by_python(payloads),
            (std::vector<std::string>{"1(1700000000)", "1.5", "0.1", "NaN", "-Infinity",
                                      "18446744073709551615", "-9223372036854775808", "h'00ff'",
                                      "\"3:0\"", "\"caf\xc3\xa9\""}));
}

TEST_F(Crosscheck, PythonReadsOurSenmlCbor) {
  const Path temperature(3303, 0, 5700);
  EXPECT_EQ(seen_by_python(
                {{detail::encode_senml_cbor,
                  {rec(temperature, Value(20.5), 1700000000.0),
                   rec(temperature, Value(21.0), 1700000010.0)},
                  ".cbor"},
                 {detail::encode_senml_cbor,
                  {rec(Path(5, 0, 0), Value(Opaque{1, 2})), rec(Path(4, 0, 1), Value(Objlnk{3, 0})),
                   rec(Path(3311, 0, 5850), Value(true)), rec(Path(1, 0, 1))},
                  ".cbor"}}),
            (std::vector<std::string>{
                R"([{-2:"/3303/0/",-3:1700000000,0:"5700",2:20.5},{0:"5700",2:21.0,6:10}])",
                R"([{0:"/5/0/0",8:h'0102'},{0:"/4/0/1","vlo":"3:0"},{0:"/3311/0/5850",4:true},)"
                R"({0:"/1/0/1"}])"}));
}

TEST_F(Crosscheck, PythonReadsOurLwm2mCbor) {
  EXPECT_EQ(seen_by_python({{detail::encode_lwm2m_cbor,
                             {rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
                              rec(Path(3, 0, 9), Value(std::int64_t{100})),
                              rec(Path(1, 0, 1), Value(std::int64_t{86400}))},
                             ".cbor"},
                            {detail::encode_lwm2m_cbor,
                             {rec(Path(3, 0, 13), Value(Time{1700000000})), rec(Path(1, 0))},
                             ".cbor"}}),
            (std::vector<std::string>{R"({[3,0]:{0:"Open Mobile Alliance",9:100},[1,0,1]:86400})",
                                      R"({[3,0,13]:1(1700000000),[1,0]:null})"}));
}

TEST_F(Crosscheck, PythonReadsOurJsonFormats) {
  EXPECT_EQ(seen_by_python({{detail::encode_senml_json,
                             {rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80\n\x01")),
                              rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF})),
                              rec(Path(3303, 0, 5700), Value(1e300), 1700000000.5)},
                             ".json"},
                            {detail::encode_oma_json,
                             {rec(Path(3, 0, 9), Value(std::int64_t{100})),
                              rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF}))},
                             ".json"}}),
            (std::vector<std::string>{
                "[{\"n\":\"/5/0/1\",\"vs\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\\n\\u0001\"},"
                "{\"n\":\"/5/0/0\",\"vd\":\"-_8\"},"
                "{\"n\":\"/3303/0/5700\",\"v\":1e+300,\"t\":1700000000.5}]",
                R"({"bn":"/","e":[{"n":"3/0/9","v":100},{"n":"5/0/0","sv":"+/8="}]})"}));
}

TEST_F(Crosscheck, WeReadWhatPythonWrites) {
  run("encode " + dir_.path().string());
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const Path temperature(3303, 0, 5700);
  EXPECT_EQ(
      testing::decode_ok(detail::decode_senml_cbor, written_by_python("senml.cbor"), {}, options),
      (std::vector<Record>{rec(temperature, Value(20.5), 1700000000.0),
                           rec(temperature, Value(21.0), 1700000010.0),
                           // bt stays in force for the records after it.
                           rec(Path(5, 0, 0), Value(Opaque{0x00, 0xFF}), 1700000000.0),
                           rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80"), 1700000000.0),
                           rec(Path(4, 0, 1), Value(Objlnk{3, 0}), 1700000000.0)}));
  EXPECT_EQ(
      testing::decode_ok(detail::decode_lwm2m_cbor, written_by_python("lwm2m.cbor"), {}, options),
      (std::vector<Record>{rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
                           rec(Path(3, 0, 9), Value(std::int64_t{100})),
                           rec(Path(1, 0, 1), Value(std::int64_t{86400}))}));
  EXPECT_EQ(testing::decode_ok(detail::decode_cbor, written_by_python("time.cbor"), Path(3, 0, 13)),
            std::vector<Record>{rec(Path(3, 0, 13), Value(Time{1700000000}))});
  EXPECT_EQ(
      testing::decode_ok(detail::decode_senml_json, written_by_python("senml.json"), {}, options),
      (std::vector<Record>{rec(Path(5, 0, 1), Value("caf\xc3\xa9 \xf0\x9f\x98\x80\n")),
                           rec(Path(5, 0, 0), Value(Opaque{0x00, 0xFF})),
                           rec(temperature, Value(20.5), 1700000000.25)}));
  EXPECT_EQ(testing::decode_ok(detail::decode_oma_json, written_by_python("oma.json"), {}, options),
            (std::vector<Record>{rec(Path(3, 0, 9), Value(std::int64_t{100})),
                                 rec(Path(3, 0, 14), Value("+02:00"))}));
}

// Random trees of every data type (negative times, NaN, int64/uint64 extremes, empty strings and
// byte strings, the null object link) through each encoder, read back by Python.
TEST_F(Crosscheck, Cbor2ReadsRandomTreesFromSenmlCbor) {
  check_random_trees(ContentFormat::SenmlCbor, 40);
}

TEST_F(Crosscheck, Cbor2ReadsRandomTreesFromLwm2mCbor) {
  check_random_trees(ContentFormat::Lwm2mCbor, 40);
}

TEST_F(Crosscheck, Cbor2ReadsRandomSingleCborValues) {
  check_random_trees(ContentFormat::Cbor, 20);
}

TEST_F(Crosscheck, JsonReadsRandomTreesFromSenmlJson) {
  check_random_trees(ContentFormat::SenmlJson, 40);
}

TEST_F(Crosscheck, JsonReadsRandomTreesFromOmaJson) {
  check_random_trees(ContentFormat::OmaJson, 40);
}

}  // namespace
}  // namespace drover::lwm2m
