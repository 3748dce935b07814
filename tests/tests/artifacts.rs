//! The binaries `make build` produces are the ones `template.yaml` can deploy: every function's
//! `Binary` has its `bootstrap`, an arm64 ELF executable (the template's `Architectures`) that
//! needs no shared library beyond those the `provided.al2023` runtime ships, at glibc versions it
//! has, so nothing of the build machine (its OpenSSL, zlib, zstd) is assumed in Lambda.

use std::collections::BTreeSet;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::{Endianness, FileKind};
use tests::artifacts::{bootstrap, lambda_dir};
use tests::repo_root;
use yaml_serde::Value;

/// The shared libraries of `provided.al2023` a function may need: glibc's and libgcc_s. Amazon
/// Linux 2023's runtime image has nothing else a binary could count on.
const AL2023_LIBRARIES: [&str; 7] = [
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "ld-linux-aarch64.so.1",
    "libgcc_s.so.1",
];
/// Amazon Linux 2023's glibc: a binary asking for a newer symbol version does not start there.
const AL2023_GLIBC: (u32, u32) = (2, 34);
/// The arm64 dynamic loader's path on Amazon Linux 2023 (and every arm64 glibc system).
const ARM64_LOADER: &str = "/lib/ld-linux-aarch64.so.1";

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    yaml_serde::from_str(&text).expect("template.yaml is YAML")
}

/// Every function's `BuildProperties.Binary`, and the functions that override the runtime or
/// architecture of `Globals`.
fn deployed_binaries(template: &Value) -> (BTreeSet<String>, Vec<String>) {
    let mut binaries = BTreeSet::new();
    let mut overriding = Vec::new();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = name.as_str().unwrap();
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no BuildProperties.Binary"));
        binaries.insert(binary.to_owned());
        let properties = &resource["Properties"];
        if !properties["Architectures"].is_null() || !properties["Runtime"].is_null() {
            overriding.push(name.to_owned());
        }
    }
    (binaries, overriding)
}

/// What the loader of the machine running a binary reads from it.
#[derive(Debug)]
struct Executable {
    machine: elf::Machine,
    interpreter: Option<String>,
    /// `DT_NEEDED`: the shared libraries loaded with it.
    needed: Vec<String>,
    /// The `GLIBC_x.y` symbol versions it asks of its libraries.
    glibc_versions: BTreeSet<(u32, u32)>,
}

fn inspect(data: &[u8]) -> Result<Executable, String> {
    let kind = FileKind::parse(data).map_err(|error| error.to_string())?;
    if kind != FileKind::Elf64 {
        return Err(format!("not a 64-bit ELF file but {kind:?}"));
    }
    let read = |error: object::read::Error| error.to_string();
    let header = elf::FileHeader64::<Endianness>::parse(data).map_err(read)?;
    let endian = header.endian().map_err(read)?;
    if endian != Endianness::Little {
        return Err("big-endian".to_owned());
    }
    let file_type = header.e_type(endian);
    if file_type != elf::ET_DYN && file_type != elf::ET_EXEC {
        return Err(format!("not an executable (ELF type {file_type})"));
    }
    let mut interpreter = None;
    for segment in header.program_headers(endian, data).map_err(read)? {
        if let Some(path) = segment.interpreter(endian, data).map_err(read)? {
            interpreter = Some(String::from_utf8_lossy(path).into_owned());
        }
    }
    let sections = header.sections(endian, data).map_err(read)?;
    let dynamic = sections.dynamic_table(endian, data).map_err(read)?;
    let mut needed = Vec::new();
    for entry in &dynamic {
        if entry.tag == elf::DT_NEEDED {
            let name = dynamic.string(entry).map_err(read)?;
            needed.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    let mut glibc_versions = BTreeSet::new();
    if let Some((mut needs, link)) = sections.gnu_verneed(endian, data).map_err(read)? {
        let strings = sections.strings(endian, data, link).map_err(read)?;
        while let Some((_, mut versions)) = needs.next().map_err(read)? {
            while let Some(version) = versions.next().map_err(read)? {
                let name = String::from_utf8_lossy(version.name(endian, strings).map_err(read)?)
                    .into_owned();
                if let Some(number) = name.strip_prefix("GLIBC_") {
                    glibc_versions.insert(
                        parse_version(number)
                            .ok_or_else(|| format!("unreadable glibc version {name}"))?,
                    );
                }
            }
        }
    }
    Ok(Executable {
        machine: header.e_machine(endian),
        interpreter,
        needed,
        glibc_versions,
    })
}

/// `2.34` or `2.2.5` as (major, minor).
fn parse_version(number: &str) -> Option<(u32, u32)> {
    let mut parts = number.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Why `executable` would not start on `provided.al2023` for arm64, or would load something of
/// the build machine; empty when it is fit to deploy.
fn unfit_for_al2023_arm64(executable: &Executable) -> Vec<String> {
    let mut problems = Vec::new();
    if executable.machine != elf::EM_AARCH64 {
        problems.push(format!(
            "built for ELF machine {}, not aarch64 ({})",
            executable.machine,
            elf::EM_AARCH64
        ));
    }
    if executable.interpreter.as_deref() != Some(ARM64_LOADER) {
        problems.push(format!(
            "loader {:?}, not {ARM64_LOADER}",
            executable.interpreter
        ));
    }
    // A glibc-linked executable always needs libc: none read would mean the check read nothing.
    if !executable
        .needed
        .iter()
        .any(|library| library == "libc.so.6")
    {
        problems.push(format!(
            "no libc.so.6 among its libraries {:?}",
            executable.needed
        ));
    }
    let foreign: Vec<&String> = executable
        .needed
        .iter()
        .filter(|library| !AL2023_LIBRARIES.contains(&library.as_str()))
        .collect();
    if !foreign.is_empty() {
        problems.push(format!(
            "needs libraries provided.al2023 lacks: {foreign:?}"
        ));
    }
    if let Some(newest) = executable.glibc_versions.last()
        && *newest > AL2023_GLIBC
    {
        problems.push(format!(
            "needs GLIBC_{}.{}, newer than Amazon Linux 2023's {}.{}",
            newest.0, newest.1, AL2023_GLIBC.0, AL2023_GLIBC.1
        ));
    }
    problems
}

#[test]
fn the_template_deploys_every_function_for_arm64_on_provided_al2023() {
    let template = template();
    let function = &template["Globals"]["Function"];
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(
        function["Architectures"].as_sequence().map(Vec::as_slice),
        Some([Value::from("arm64")].as_slice()),
        "the artifacts are checked as arm64 binaries"
    );
    let (binaries, overriding) = deployed_binaries(&template);
    assert!(!binaries.is_empty());
    assert!(
        overriding.is_empty(),
        "these functions override the runtime or architecture the artifacts are checked for: \
         {overriding:?}"
    );
}

#[test]
fn every_deployed_binary_is_built_for_arm64_and_needs_only_what_provided_al2023_ships() {
    let (binaries, _) = deployed_binaries(&template());
    let names: Vec<&str> = binaries.iter().map(String::as_str).collect();
    let Some(dir) = lambda_dir(&names) else {
        return;
    };
    let mut problems = Vec::new();
    for binary in &binaries {
        let path = bootstrap(&dir, binary);
        let data = match std::fs::read(&path) {
            Ok(data) => data,
            Err(error) => {
                problems.push(format!("{}: {error}", path.display()));
                continue;
            }
        };
        match inspect(&data) {
            Ok(executable) => problems.extend(
                unfit_for_al2023_arm64(&executable)
                    .into_iter()
                    .map(|problem| format!("{binary}: {problem}")),
            ),
            Err(error) => problems.push(format!("{binary}: {error}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} artifacts in {} are not fit to deploy:\n{}",
        problems.len(),
        binaries.len(),
        dir.display(),
        problems.join("\n")
    );
}

/// The check tells binaries apart: this test's own executable, built for this x86 machine, is
/// read (its libraries and glibc versions found) and refused for its machine and its loader.
#[cfg(target_arch = "x86_64")]
#[test]
fn a_binary_built_for_this_machine_is_refused() {
    let data = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let executable = inspect(&data).expect("this test's executable is an ELF file");
    assert!(
        executable
            .needed
            .iter()
            .any(|library| library == "libc.so.6"),
        "{executable:?}"
    );
    assert!(!executable.glibc_versions.is_empty(), "{executable:?}");
    let problems = unfit_for_al2023_arm64(&executable).join("\n");
    assert!(problems.contains("not aarch64"), "{problems}");
    assert!(
        problems.contains("loader Some(\"/lib64/ld-linux-x86-64.so.2\")"),
        "{problems}"
    );
}
