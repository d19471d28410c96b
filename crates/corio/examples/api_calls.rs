//! Calling an HTTP API many times at once, simulated: the names of Pokémon 1
//! to 10 from PokeAPI, gathered (tutorial 000, section 4.3, line 171); then
//! the seed's API data pipeline: fetch the user ids, then for each of the
//! first 10 users their details and posts at once, all users at once
//! (001 line 1450).
//!
//! `cargo run --release --example api_calls`
//!
//! asyncio (tutorial 000, line 171):
//!
//! ```python
//! async def fetch_pokemon(session, pokemon_id):
//!     url = f"https://pokeapi.co/api/v2/pokemon/{pokemon_id}"
//!     async with session.get(url) as response:
//!         pokemon = await response.json()
//!         return pokemon['name']
//!
//! async def main():
//!     async with aiohttp.ClientSession() as session:
//!         pokemon_ids = range(1, 11)  # Pokémon ids 1 to 10
//!         tasks = [fetch_pokemon(session, pokemon_id) for pokemon_id in pokemon_ids]
//!         pokemon_names = await asyncio.gather(*tasks)
//!         for id, name in zip(pokemon_ids, pokemon_names):
//!             print(f"Pokemon {id}: {name}")
//! ```
//!
//! SIMULATED: there is no network. Every request waits 0.3 s (the seeds imply
//! no figure) and answers what the real API would (the first ten Pokémon) or,
//! for the made-up api.example.com, made-up users and posts. So ten Pokémon
//! take 0.3 s, and the pipeline its two rounds of requests, 0.6 s.

use std::time::{Duration, Instant};

const NAMES: [&str; 10] = [
    "bulbasaur",
    "ivysaur",
    "venusaur",
    "charmander",
    "charmeleon",
    "charizard",
    "squirtle",
    "wartortle",
    "blastoise",
    "caterpie",
];

/// One simulated HTTP round trip.
async fn round_trip() {
    corio::sleep(Duration::from_millis(300)).await;
}

async fn fetch_pokemon(pokemon_id: usize) -> &'static str {
    let _url = format!("https://pokeapi.co/api/v2/pokemon/{pokemon_id}");
    round_trip().await; // async with session.get(url) as response: await response.json()
    NAMES[pokemon_id - 1] // pokemon['name']
}

/// GET https://api.example.com/users -> the users' ids
async fn fetch_user_ids() -> Vec<u32> {
    round_trip().await;
    (101..=115).collect()
}

/// GET https://api.example.com/users/{user_id} -> the user's name
async fn fetch_user_details(user_id: u32) -> String {
    round_trip().await;
    format!("user{user_id}")
}

/// GET https://api.example.com/users/{user_id}/posts -> the user's posts
async fn fetch_user_posts(user_id: u32) -> Vec<String> {
    round_trip().await;
    (0..user_id % 7).map(|i| format!("post {i}")).collect()
}

/// Fetch all data for a user concurrently.
async fn process_user(user_id: u32) -> (String, usize) {
    // asyncio: details, posts = await asyncio.gather(fetch_user_details(..), fetch_user_posts(..))
    let (details, posts) =
        corio::gather!(fetch_user_details(user_id), fetch_user_posts(user_id)).await;
    (details, posts.len())
}

#[corio::main]
async fn main() {
    let start = Instant::now();
    let pokemon_ids = 1..=10;
    // asyncio: pokemon_names = await asyncio.gather(*tasks)
    let pokemon_names = corio::gather(pokemon_ids.clone().map(fetch_pokemon)).await;
    for (id, name) in pokemon_ids.zip(pokemon_names) {
        println!("Pokemon {id}: {name}");
    }
    println!("(10 requests in {:.1} s)\n", start.elapsed().as_secs_f64());

    let start = Instant::now();
    let user_ids = fetch_user_ids().await;
    // Process all users concurrently: gather(*[process_user(session, uid) for uid in user_ids[:10]])
    let user_data = corio::gather(user_ids[..10].iter().map(|&uid| process_user(uid))).await;
    for (name, post_count) in user_data {
        println!("User {name}: {post_count} posts");
    }
    println!("(21 requests in {:.1} s)", start.elapsed().as_secs_f64());
}
