using System.Globalization;
using System.Text;

namespace Keras.Data;

/// <summary>
/// A strict parser for the small subset of Python literals that appears in .npy headers: dicts with string keys,
/// strings, integers, True/False/None, tuples and lists. Whitespace and trailing commas are accepted as Python
/// accepts them; anything else is an error.
/// </summary>
internal sealed class PyLiteral
{
    private const int MaxDepth = 32;

    private readonly string _text;
    private int _pos;

    private PyLiteral(string text) => _text = text;

    /// <summary>A parsed Python tuple (as opposed to a list).</summary>
    internal sealed record PyTuple(IReadOnlyList<object?> Items);

    /// <summary>A parsed Python list.</summary>
    internal sealed record PyList(IReadOnlyList<object?> Items);

    /// <summary>
    /// Parses a dict literal (the whole text, surrounding whitespace allowed). Values are <see cref="string"/>,
    /// <see cref="System.Numerics.BigInteger"/>, <see cref="bool"/>, null (None), <see cref="PyTuple"/>, <see cref="PyList"/>
    /// or nested dictionaries.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a literal; the message says where and why.</exception>
    public static Dictionary<string, object?> ParseDict(string text)
    {
        var parser = new PyLiteral(text);
        parser.SkipSpace();
        if (parser.Peek() != '{')
        {
            throw parser.Error("expected '{' at the start of the header dictionary");
        }

        var dict = parser.ParseDictBody(0);
        parser.SkipSpace();
        if (parser._pos != text.Length)
        {
            throw parser.Error("unexpected text after the closing '}'");
        }

        return dict;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
        {
            _pos++;
        }
    }

    private FormatException Error(string problem)
    {
        string where = _pos < _text.Length ? $"at offset {_pos} ('{Excerpt()}')" : "at the end";
        return new FormatException($"{problem} {where}");
    }

    private string Excerpt()
    {
        int len = Math.Min(20, _text.Length - _pos);
        return _text.Substring(_pos, len).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    private Dictionary<string, object?> ParseDictBody(int depth)
    {
        _pos++; // '{'
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        SkipSpace();
        while (Peek() != '}')
        {
            if (Peek() is not ('\'' or '"'))
            {
                throw Error(_pos >= _text.Length ? "missing '}'" : "expected a quoted key");
            }

            string key = ParseString();
            SkipSpace();
            if (Peek() != ':')
            {
                throw Error($"expected ':' after key '{key}'");
            }

            _pos++;
            SkipSpace();
            object? value = ParseValue(depth + 1);
            if (!dict.TryAdd(key, value))
            {
                throw Error($"duplicate key '{key}'");
            }

            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
            else if (Peek() != '}')
            {
                throw Error(_pos >= _text.Length ? "missing '}'" : "expected ',' or '}'");
            }
        }

        _pos++; // '}'
        return dict;
    }

    private object? ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("the literal is nested too deeply");
        }

        char c = Peek();
        switch (c)
        {
            case '\'' or '"':
                return ParseString();
            case '(':
                return ParseSequence(')', depth, tuple: true);
            case '[':
                return ParseSequence(']', depth, tuple: false);
            case '{':
                return ParseDictBody(depth);
            case '-' or '+' or (>= '0' and <= '9'):
                return ParseInteger();
        }

        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
            {
                _pos++;
            }

            string word = _text[start.._pos];
            switch (word)
            {
                case "True":
                    return true;
                case "False":
                    return false;
                case "None":
                    return null;
                default:
                    _pos = start;
                    throw Error($"unsupported value '{word}'");
            }
        }

        throw Error(_pos >= _text.Length ? "expected a value" : "unexpected character");
    }

    private object ParseSequence(char close, int depth, bool tuple)
    {
        _pos++;
        var items = new List<object?>();
        bool sawComma = false;
        SkipSpace();
        while (Peek() != close)
        {
            if (_pos >= _text.Length)
            {
                throw Error($"missing '{close}'");
            }

            items.Add(ParseValue(depth + 1));
            SkipSpace();
            if (Peek() == ',')
            {
                sawComma = true;
                _pos++;
                SkipSpace();
            }
            else if (Peek() != close)
            {
                throw Error(_pos >= _text.Length ? $"missing '{close}'" : $"expected ',' or '{close}'");
            }
        }

        _pos++;
        if (tuple && items.Count == 1 && !sawComma)
        {
            // "(3)" is a parenthesised value in Python, not a tuple.
            return items[0]!;
        }

        return tuple ? new PyTuple(items) : new PyList(items);
    }

    private string ParseString()
    {
        char quote = _text[_pos];
        int start = ++_pos;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                _pos = start - 1;
                throw Error("unterminated string");
            }

            char c = _text[_pos];
            if (c == quote)
            {
                _pos++;
                return sb.ToString();
            }

            if (c == '\\')
            {
                throw Error("escape sequences in strings are not supported");
            }

            sb.Append(c);
            _pos++;
        }
    }

    private object ParseInteger()
    {
        int start = _pos;
        if (Peek() is '-' or '+')
        {
            _pos++;
        }

        int digitsStart = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (_pos == digitsStart)
        {
            _pos = start;
            throw Error("expected an integer");
        }

        if (_pos - digitsStart > 40)
        {
            _pos = start;
            throw Error("integer is too long");
        }

        string digits = _text[start.._pos];
        // Python 2 wrote long integers with an 'L' suffix; NumPy still reads such headers.
        if (Peek() is 'L' or 'l')
        {
            _pos++;
        }

        if (Peek() is '.' or 'e' or 'E' or 'j' or 'J' or 'x' or 'X' or '_' || char.IsAsciiLetter(Peek()))
        {
            throw Error("only plain integers are supported");
        }

        return System.Numerics.BigInteger.Parse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }
}
