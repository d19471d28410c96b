//! Files the aiofiles way: three files read at once and three written at once
//! (tutorial 000, section 4.4, line 190); write then read back `test.txt`
//! (001 line 1083); print the start of a file (002 line 118); count the lines
//! of a large file (001 line 1142).
//!
//! `cargo run --release --example file_io`
//!
//! asyncio (tutorial 000, line 190):
//!
//! ```python
//! async def read_file(filename):
//!     async with aiofiles.open(filename, mode='r') as f:
//!         return await f.read()
//!
//! async def main():
//!     contents = await asyncio.gather(read_file('file1.txt'), read_file('file2.txt'),
//!                                     read_file('file3.txt'))
//!     for i, content in enumerate(contents, 1):
//!         print(f"Content of file{i}.txt: {content[:50]}...")  # the first 50 characters
//!     await asyncio.gather(write_file('output1.txt', 'Hello, World!'),
//!                          write_file('output2.txt', 'Async is awesome!'),
//!                          write_file('output3.txt', 'Python rocks!'))
//!     print("Files have been written successfully!")
//! ```
//!
//! aiofiles runs each file call on a thread pool; so does this, with
//! `corio::to_thread` around `std::fs`. The seeds' input files are created
//! first, in a fresh temporary directory that is removed at the end. (The
//! seeds' upper-casing file example is file_upper.rs.)

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// `async with aiofiles.open(filename, 'r') as f: return await f.read()`
async fn read_file(path: PathBuf) -> String {
    corio::to_thread(move || std::fs::read_to_string(path))
        .await
        .expect("readable")
}

/// `async with aiofiles.open(filename, 'w') as f: await f.write(content)`
async fn write_file(path: PathBuf, content: &'static str) {
    corio::to_thread(move || std::fs::write(path, content))
        .await
        .expect("writable")
}

/// `async for line in f: line_count += 1`, without loading the file at once.
async fn process_large_file(path: PathBuf) -> usize {
    corio::to_thread(move || {
        let file = std::io::BufReader::new(std::fs::File::open(path).expect("readable"));
        file.lines().map_while(Result::ok).count()
    })
    .await
}

fn seed_inputs(dir: &Path) -> std::io::Result<()> {
    for i in 1..=3 {
        let text = format!("This is file{i}.txt. ").repeat(5);
        std::fs::write(dir.join(format!("file{i}.txt")), text)?;
    }
    std::fs::write(dir.join("my_file.txt"), "asyncio: ".repeat(20))?;
    let lines: String = (1..=10_000).map(|i| format!("record {i}\n")).collect();
    std::fs::write(dir.join("large_data.txt"), lines)
}

#[corio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("corio-file-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .and_then(|()| seed_inputs(&dir))
        .expect("temporary directory");

    let contents =
        corio::gather((1..=3).map(|i| read_file(dir.join(format!("file{i}.txt"))))).await;
    for (i, content) in contents.iter().enumerate() {
        let start: String = content.chars().take(50).collect(); // the first 50 characters
        println!("Content of file{}.txt: {start}...", i + 1);
    }
    let outputs = [
        ("output1.txt", "Hello, World!"),
        ("output2.txt", "Async is awesome!"),
        ("output3.txt", "Python rocks!"),
    ];
    corio::gather(outputs.map(|(name, text)| write_file(dir.join(name), text))).await;
    println!("Files have been written successfully!\n");

    // Write data, then read it back
    write_file(dir.join("test.txt"), "Hello, async file I/O!").await;
    let content = read_file(dir.join("test.txt")).await;
    println!("Read: {content}\n");

    let contents = read_file(dir.join("my_file.txt")).await;
    println!("{}\n", contents.chars().take(100).collect::<String>()); // the first 100 characters

    let count = process_large_file(dir.join("large_data.txt")).await;
    println!("Processed {count} lines");

    std::fs::remove_dir_all(&dir).expect("clean up");
}
