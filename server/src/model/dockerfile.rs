//! A typed view over a parsed Dockerfile: build stages, build arguments in scope, the shell
//! scripts of `RUN` instructions (split once) and the variables each instruction references.

use crate::syntax::dockerfile::{DWord, Dockerfile, Form, Instruction, KeyValue, Span};
use crate::syntax::shell::{self, Script, VarRef};

/// One `FROM … [AS name]` and the instructions up to the next `FROM`.
#[derive(Clone, Debug)]
pub struct Stage {
    /// Index of the FROM instruction.
    pub from: usize,
    /// One past the last instruction of the stage.
    pub end: usize,
    pub image: Option<DWord>,
    pub name: Option<DWord>,
}

/// `ARG NAME[=default]` (one name of an ARG instruction).
#[derive(Clone, Debug)]
pub struct ArgDecl {
    pub ins: usize,
    pub kv: KeyValue,
}

/// A shell script run by a RUN instruction: a slice of the document and its split commands.
#[derive(Clone, Debug)]
pub struct RunScript {
    pub ins: usize,
    /// Where the script starts in the document; command spans are relative to it.
    pub base: usize,
    pub span: Span,
    pub script: Script,
}

pub struct DockerModel<'a> {
    pub text: &'a str,
    pub file: &'a Dockerfile,
    pub stages: Vec<Stage>,
    /// ARGs before the first FROM (usable in FROM lines; inside a stage only when re-declared).
    pub global_args: Vec<ArgDecl>,
    /// Scripts of shell-form RUN instructions (heredoc bodies included).
    pub scripts: Vec<RunScript>,
}

impl<'a> DockerModel<'a> {
    pub fn build(text: &'a str, file: &'a Dockerfile) -> DockerModel<'a> {
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_args = Vec::new();
        let mut scripts = Vec::new();
        for (i, ins) in file.instructions.iter().enumerate() {
            match ins.keyword.as_str() {
                "FROM" => {
                    if let Some(last) = stages.last_mut() {
                        last.end = i;
                    }
                    let (image, name) = file
                        .from_parts(text, ins)
                        .map_or((None, None), |(i, n)| (Some(i), n));
                    stages.push(Stage {
                        from: i,
                        end: file.instructions.len(),
                        image,
                        name,
                    });
                }
                "ARG" if stages.is_empty() => {
                    global_args.extend(
                        file.arg_decls(text, ins)
                            .into_iter()
                            .map(|kv| ArgDecl { ins: i, kv }),
                    );
                }
                "RUN" => {
                    for span in file.scripts(text, ins) {
                        // Backtick-escaped files are Windows/PowerShell builds: no POSIX shell.
                        if file.escape != '\\' {
                            continue;
                        }
                        let in_heredoc_body = ins.heredocs.iter().any(|h| h.body == span);
                        let options = shell::Options {
                            drop_comment_lines_in_continuations: !in_heredoc_body,
                        };
                        let script = shell::parse_with(&text[span.clone()], options);
                        scripts.push(RunScript {
                            ins: i,
                            base: span.start,
                            span,
                            script,
                        });
                    }
                }
                _ => {}
            }
        }
        DockerModel {
            text,
            file,
            stages,
            global_args,
            scripts,
        }
    }

    pub fn ins(&self, i: usize) -> &'a Instruction {
        &self.file.instructions[i]
    }

    /// The stage holding instruction `i` (`None` before the first FROM).
    pub fn stage_of(&self, i: usize) -> Option<usize> {
        self.stages.iter().position(|s| s.from <= i && i < s.end)
    }

    /// ARG declarations inside a stage, in order.
    pub fn stage_args(&self, stage: usize) -> Vec<ArgDecl> {
        let s = &self.stages[stage];
        (s.from + 1..s.end)
            .filter(|&i| self.ins(i).is("ARG"))
            .flat_map(|i| {
                self.file
                    .arg_decls(self.text, self.ins(i))
                    .into_iter()
                    .map(move |kv| ArgDecl { ins: i, kv })
            })
            .collect()
    }

    /// The global ARG with this name, if any.
    pub fn global_arg(&self, name: &str) -> Option<&ArgDecl> {
        self.global_args.iter().find(|a| a.kv.key == name)
    }

    /// Variables referenced by instruction `i`, with document spans. RUN scripts are read as
    /// the shell reads them (not inside single quotes, not in comments); other instructions
    /// with Docker's own `$X`/`${X}` substitution.
    pub fn var_refs(&self, i: usize) -> Vec<VarRef> {
        let ins = self.ins(i);
        let shell_scripts: Vec<&RunScript> = self.scripts.iter().filter(|s| s.ins == i).collect();
        if ins.is("RUN") && !shell_scripts.is_empty() {
            let mut out = Vec::new();
            for s in shell_scripts {
                for c in &s.script.commands {
                    for v in c.vars() {
                        out.push(VarRef {
                            name: v.name.clone(),
                            span: v.span.start + s.base..v.span.end + s.base,
                        });
                    }
                }
            }
            return out;
        }
        let mut spans = vec![ins.args.clone()];
        if let Form::Shell = ins.form {
            spans.extend(
                ins.heredocs
                    .iter()
                    .filter(|h| !h.quoted)
                    .map(|h| h.body.clone()),
            );
        }
        spans
            .into_iter()
            .flat_map(|span| {
                shell::variable_refs(&self.text[span.clone()])
                    .into_iter()
                    .map(move |v| VarRef {
                        name: v.name,
                        span: v.span.start + span.start..v.span.end + span.start,
                    })
            })
            .collect()
    }

    /// Names that earlier stages call themselves (`FROM x AS build`), lower-cased.
    /// Whether a stage ends up in the final image: the last stage, or a stage it is built
    /// `FROM` (directly or through other stages). `COPY --from` copies files, not layers.
    pub fn in_final_image(&self, stage: usize) -> bool {
        let Some(mut current) = self.stages.len().checked_sub(1) else {
            return true;
        };
        for _ in 0..self.stages.len() {
            if current == stage {
                return true;
            }
            let parent = self.stages[current].image.as_ref().and_then(|img| {
                self.stages[..current].iter().rposition(|p| {
                    p.name
                        .as_ref()
                        .is_some_and(|n| n.value.eq_ignore_ascii_case(&img.value))
                })
            });
            match parent {
                Some(p) => current = p,
                None => return false,
            }
        }
        false
    }

    /// `build stage `builder`` (or `build stage 2` when unnamed), for messages.
    pub fn stage_label(&self, stage: usize) -> String {
        match self.stages.get(stage).and_then(|s| s.name.as_ref()) {
            Some(n) => format!("build stage `{}`", n.value),
            None => format!("build stage {}", stage + 1),
        }
    }

    /// For an instruction in a stage that is not part of the final image: that stage's label
    /// (its secrets still live in the stage's layers and build cache).
    pub fn intermediate_stage(&self, ins: usize) -> Option<String> {
        let stage = self.stage_of(ins)?;
        (!self.in_final_image(stage)).then(|| self.stage_label(stage))
    }

    pub fn stage_names_before(&self, stage: usize) -> Vec<String> {
        self.stages[..stage]
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| n.value.to_ascii_lowercase()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dockerfile::parse;

    #[test]
    fn stages_args_and_refs() {
        let t = "ARG BASE=node:20\nFROM $BASE AS build\nARG NPM_TOKEN\nRUN echo '$NOPE' \"${NPM_TOKEN}\" # $ALSO_NOT\nENV A=$NPM_TOKEN\nFROM build\nRUN <<EOF\nuse $X\nEOF\n";
        let d = parse(t);
        let m = DockerModel::build(t, &d);
        assert_eq!(m.stages.len(), 2);
        assert_eq!(m.stages[0].name.as_ref().unwrap().value, "build");
        assert_eq!(m.global_args[0].kv.key, "BASE");
        assert_eq!(m.stage_args(0)[0].kv.key, "NPM_TOKEN");
        assert_eq!(m.stage_of(3), Some(0));
        assert_eq!(m.stage_of(0), None);
        let refs = m.var_refs(3);
        assert_eq!(refs.len(), 1);
        assert_eq!(&t[refs[0].span.clone()], "${NPM_TOKEN}");
        assert_eq!(m.var_refs(4)[0].name, "NPM_TOKEN");
        assert_eq!(m.var_refs(6)[0].name, "X");
        assert_eq!(m.stage_names_before(1), ["build"]);
    }
}
