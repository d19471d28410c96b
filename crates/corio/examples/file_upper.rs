//! The seeds' file example (tutorial 001, "여러 파일을 동시에 처리하기",
//! aiofiles): read three files, upper-case them, and write three outputs
//! concurrently, then print one line per file in order. The inputs are
//! created in a temporary directory first, which is removed at the end.
//!
//! ```text
//! cargo run --release --example file_upper
//! ```
//!
//! asyncio + aiofiles:
//!
//! ```python
//! async def process_file(input_file, output_file):
//!     async with aiofiles.open(input_file, mode='r') as f:
//!         content = await f.read()
//!     processed = content.upper()
//!     async with aiofiles.open(output_file, mode='w') as f:
//!         await f.write(processed)
//!     return f"Processed {input_file} -> {output_file}"
//!
//! async def main():
//!     files = [('input1.txt', 'output1.txt'), ('input2.txt', 'output2.txt'),
//!              ('input3.txt', 'output3.txt')]
//!     results = await asyncio.gather(*[process_file(i, o) for i, o in files])
//!     for result in results:
//!         print(result)
//! ```

use std::io;
use std::path::PathBuf;

use corio::fs::File;

/// `async def process_file(input_file, output_file)`.
async fn process_file(input: PathBuf, output: PathBuf) -> io::Result<String> {
    // async with aiofiles.open(input_file, mode='r') as f: content = await f.read()
    let mut content = String::new();
    File::open(&input)
        .await?
        .read_to_string(&mut content)
        .await?;

    let processed = content.to_uppercase();

    // async with aiofiles.open(output_file, mode='w') as f: await f.write(processed)
    let mut file = File::create(&output).await?;
    file.write_all(processed.as_bytes()).await?;
    file.flush().await?; // what leaving `async with` does: errors surface here

    Ok(format!(
        "Processed {} -> {}",
        input.file_name().unwrap().to_string_lossy(),
        output.file_name().unwrap().to_string_lossy()
    ))
}

#[corio::main]
async fn main() -> io::Result<()> {
    let dir = std::env::temp_dir().join(format!("corio-file-upper-{}", std::process::id()));
    corio::fs::create_dir_all(&dir).await?;
    for (i, text) in [
        "hello, async file I/O!\n",
        "three files at once\n",
        "on the blocking pool\n",
    ]
    .iter()
    .enumerate()
    {
        corio::fs::write(dir.join(format!("input{}.txt", i + 1)), text).await?;
    }

    let files: Vec<(PathBuf, PathBuf)> = (1..=3)
        .map(|i| {
            (
                dir.join(format!("input{i}.txt")),
                dir.join(format!("output{i}.txt")),
            )
        })
        .collect();
    // results = await asyncio.gather(*tasks): input order, whatever finishes first.
    let results = corio::gather(
        files
            .iter()
            .cloned()
            .map(|(input, output)| process_file(input, output)),
    )
    .await;
    for result in results {
        println!("{}", result?);
    }
    for (_, output) in &files {
        print!("{}", corio::fs::read_to_string(output).await?);
    }

    corio::fs::remove_dir_all(&dir).await
}
