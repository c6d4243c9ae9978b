//! JSON as written: scalars keep their exact spelling (escapes, number
//! format), so two documents can be compared for layout and key order
//! separately from their values.

/// A parsed document whose scalars are their source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    Scalar(String),
    Array(Vec<Raw>),
    /// Members in document order; keys with their quotes, as written.
    Object(Vec<(String, Raw)>),
}

impl Raw {
    /// Parse `text`; `None` when it is not one JSON document.
    pub fn parse(text: &str) -> Option<Raw> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.s.len()).then_some(v)
    }

    /// Compact text; with `sorted`, every object's members by key.
    pub fn render(&self, sorted: bool) -> String {
        let mut out = String::new();
        self.write(sorted, &mut out);
        out
    }

    fn write(&self, sorted: bool, out: &mut String) {
        match self {
            Raw::Scalar(s) => out.push_str(s),
            Raw::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.write(sorted, out);
                }
                out.push(']');
            }
            Raw::Object(members) => {
                let mut members: Vec<&(String, Raw)> = members.iter().collect();
                if sorted {
                    members.sort_by(|a, b| a.0.cmp(&b.0));
                }
                out.push('{');
                for (n, (k, v)) in members.into_iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.write(sorted, out);
                }
                out.push('}');
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Option<Raw> {
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Raw::Scalar),
            _ => self.bare().map(Raw::Scalar),
        }
    }

    fn object(&mut self) -> Option<Raw> {
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(Raw::Object(members));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            (self.s.get(self.i) == Some(&b':')).then_some(())?;
            self.i += 1;
            members.push((key, self.value()?));
            self.ws();
            match self.s.get(self.i)? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Raw::Object(members));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Raw> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(Raw::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.s.get(self.i)? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Raw::Array(items));
                }
                _ => return None,
            }
        }
    }

    /// A string with its quotes, escapes untouched.
    fn string(&mut self) -> Option<String> {
        (self.s.get(self.i) == Some(&b'"')).then_some(())?;
        let start = self.i;
        self.i += 1;
        loop {
            match *self.s.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return std::str::from_utf8(&self.s[start..self.i])
                        .ok()
                        .map(str::to_string);
                }
                _ => self.i += 1,
            }
        }
    }

    /// A number, `true`, `false` or `null`, as written.
    fn bare(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len()
            && !matches!(
                self.s[self.i],
                b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).to_string())
    }
}

#[test]
fn layout_and_order_are_separable() {
    let a = Raw::parse(r#"{ "b": 1.0, "a": ["x\u003c", {"d":null,"c":true}] }"#).expect("json");
    assert_eq!(
        a.render(false),
        r#"{"b":1.0,"a":["x\u003c",{"d":null,"c":true}]}"#
    );
    assert_eq!(
        a.render(true),
        r#"{"a":["x\u003c",{"c":true,"d":null}],"b":1.0}"#
    );
    assert!(Raw::parse(r#"{"a":1"#).is_none());
    assert!(Raw::parse(r#"{"a":1} x"#).is_none());
}
