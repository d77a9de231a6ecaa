//! Builds the syntax tree of a template from its segments.

use super::lex::{Segment, Token};
use super::Fault;

/// A node of the template tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    /// `{{pipeline}}`: evaluate and print (unless it only declares a variable).
    Print(Pipeline),
    If {
        pipe: Pipeline,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// `[$a[, $b] :=] command | command …`
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipeline {
    pub declared: Vec<String>,
    pub commands: Vec<Vec<Operand>>,
}

/// One argument of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field chain and the byte offset Go's errors name for it.
    Field(Vec<String>, usize),
    Variable(String, Vec<String>),
    Func(String),
    Str(String),
    Number(f64),
    Bool(bool),
    Nil,
    Sub(Box<Pipeline>, Vec<String>),
}

/// Parses a whole template.
pub fn parse(segments: Vec<Segment>) -> Result<Vec<Node>, Fault> {
    let mut parser = Parser { segments: segments.into_iter().collect(), pos: 0 };
    let (nodes, end) = parser.list()?;
    match end {
        ListEnd::Eof => Ok(nodes),
        ListEnd::End => Err(Fault::new("unexpected {{end}}".into())),
        ListEnd::Else(_) => Err(Fault::new("unexpected {{else}}".into())),
    }
}

/// How a list of nodes ended.
enum ListEnd {
    Eof,
    End,
    /// `{{else}}` or `{{else if …}}` (the tokens after `else`).
    Else(Vec<Token>),
}

struct Parser {
    segments: Vec<Segment>,
    pos: usize,
}

impl Parser {
    fn list(&mut self) -> Result<(Vec<Node>, ListEnd), Fault> {
        let mut nodes = Vec::new();
        while let Some(segment) = self.segments.get(self.pos).cloned() {
            self.pos += 1;
            let tokens = match segment {
                Segment::Text(text) => {
                    nodes.push(Node::Text(text));
                    continue;
                }
                Segment::Action(tokens) => tokens,
            };
            match tokens.first() {
                Some(Token::Ident(word)) if word == "end" => return Ok((nodes, ListEnd::End)),
                Some(Token::Ident(word)) if word == "else" => return Ok((nodes, ListEnd::Else(tokens[1..].to_vec()))),
                Some(Token::Ident(word)) if matches!(word.as_str(), "if" | "range" | "with") => {
                    nodes.push(self.block(word.clone(), &tokens[1..])?);
                }
                _ => nodes.push(Node::Print(pipeline(&tokens)?)),
            }
        }
        Ok((nodes, ListEnd::Eof))
    }

    fn block(&mut self, keyword: String, tokens: &[Token]) -> Result<Node, Fault> {
        let pipe = pipeline(tokens)?;
        let (body, end) = self.list()?;
        let otherwise = match end {
            ListEnd::Eof => return Err(Fault::new(format!("missing {{{{end}}}} for {{{{{keyword}}}}}"))),
            ListEnd::End => Vec::new(),
            ListEnd::Else(rest) if rest.is_empty() => match self.list()? {
                (nodes, ListEnd::End) => nodes,
                _ => return Err(Fault::new(format!("missing {{{{end}}}} for {{{{{keyword}}}}}"))),
            },
            // `{{else if x}}` is a nested if that shares this block's {{end}}.
            ListEnd::Else(rest) => match rest.first() {
                Some(Token::Ident(word)) if word == "if" => vec![self.block("if".into(), &rest[1..])?],
                _ => return Err(Fault::new("unexpected tokens after else".into())),
            },
        };
        Ok(match keyword.as_str() {
            "if" => Node::If { pipe, then: body, otherwise },
            "range" => Node::Range { pipe, body, otherwise },
            _ => Node::With { pipe, body, otherwise },
        })
    }
}

fn pipeline(tokens: &[Token]) -> Result<Pipeline, Fault> {
    let mut pipe = Pipeline::default();
    let mut rest = tokens;
    if let Some(pos) = tokens.iter().position(|t| *t == Token::Declare) {
        for token in &tokens[..pos] {
            match token {
                Token::Variable(name, fields) if fields.is_empty() => pipe.declared.push(name.clone()),
                Token::Comma => {}
                _ => return Err(Fault::new("bad variable declaration".into())),
            }
        }
        rest = &tokens[pos + 1..];
    }
    let mut depth = 0usize;
    let mut current = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        match &rest[i] {
            Token::Pipe if depth == 0 => {
                pipe.commands.push(std::mem::take(&mut current));
                i += 1;
                continue;
            }
            Token::Open => {
                let close = matching_close(rest, i)?;
                let Token::Close(fields) = &rest[close] else { unreachable!("matching_close returns a Close") };
                current.push(Operand::Sub(Box::new(pipeline(&rest[i + 1..close])?), fields.clone()));
                i = close + 1;
                depth = 0;
                continue;
            }
            token => current.push(operand(token)?),
        }
        i += 1;
    }
    pipe.commands.push(current);
    if pipe.commands.iter().any(Vec::is_empty) {
        return Err(Fault::new("missing value for command".into()));
    }
    Ok(pipe)
}

fn matching_close(tokens: &[Token], open: usize) -> Result<usize, Fault> {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Open => depth += 1,
            Token::Close(_) => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
    }
    Err(Fault::new("unclosed left paren".into()))
}

fn operand(token: &Token) -> Result<Operand, Fault> {
    Ok(match token {
        Token::Field(fields, at) => Operand::Field(fields.clone(), *at),
        Token::Variable(name, fields) => Operand::Variable(name.clone(), fields.clone()),
        Token::Str(text) => Operand::Str(text.clone()),
        Token::Number(n) => Operand::Number(*n),
        Token::Ident(word) => match word.as_str() {
            "true" => Operand::Bool(true),
            "false" => Operand::Bool(false),
            "nil" => Operand::Nil,
            _ => Operand::Func(word.clone()),
        },
        other => return Err(Fault::new(format!("unexpected {other:?}"))),
    })
}
