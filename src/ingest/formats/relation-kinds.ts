/**
 * @module ingest/formats/relation-kinds
 * Entity kinds for knowledge graphs whose entities have no type or name (Freebase MIDs, KGCN integer ids). A Freebase
 * property path `domain.type.property` says what both ends are: the head is a `type` (`film.director.film`: the head
 * is a director → `person`), the tail is what `property` names (`film.film.directed_by`: the tail → `person`). The
 * words are looked up in one table; words it does not know give `entity`.
 *
 * @example
 * relationEndKind('film.film.directed_by', 'tail') // 'person'
 * relationEndKind('film.film_genre.films_in_this_genre', 'head') // 'genre'
 */

/** Freebase type / property words → entity kind. */
export const FREEBASE_WORD_KINDS: Readonly<Record<string, string>> = {
  // films
  film: 'film',
  films: 'film',
  films_in_this_genre: 'film',
  sequel: 'film',
  prequel: 'film',
  // people
  person: 'person',
  deceased_person: 'person',
  actor: 'person',
  star: 'person',
  regular_cast: 'person',
  starring_roles: 'person',
  director: 'person',
  directed_by: 'person',
  producer: 'person',
  produced_by: 'person',
  executive_producer: 'person',
  writer: 'person',
  written_by: 'person',
  cinematographer: 'person',
  cinematography: 'person',
  editor: 'person',
  music: 'person',
  art_director: 'person',
  set_designer: 'person',
  creator: 'person',
  musician: 'person',
  person_or_entity_appearing_in_film: 'person',
  character: 'character',
  // music
  artist: 'artist',
  album: 'album',
  track: 'track',
  tracks_produced: 'track',
  instruments_played: 'instrument',
  // organisations
  production_company: 'company',
  production_companies: 'company',
  distributor: 'company',
  publisher: 'company',
  operation: 'company',
  // places
  origin: 'place',
  place_of_birth: 'place',
  place_of_death: 'place',
  location: 'place',
  contained_by: 'place',
  country: 'country',
  country_of_origin: 'country',
  nationality: 'country',
  // other film attributes
  genre: 'genre',
  film_genre: 'genre',
  language: 'language',
  rating: 'content_rating',
  content_rating: 'content_rating',
  subjects: 'subject',
  film_subject: 'subject',
  award_nomination: 'award',
  award_nominations: 'award',
  award_won: 'award',
  awards_won: 'award',
  // misc
  games_published: 'game',
  computer_videogame: 'game',
  game: 'game',
  performance: 'performance',
  profession: 'profession',
  time_zone: 'time_zone',
  industry: 'industry',
  program: 'tv_program',
  series_episode: 'tv_episode',
};

/** Kind of the head (`type` word) or tail (`property` word) of a `domain.type.property` relation. */
export function relationEndKind(relation: string, end: 'head' | 'tail', fallback = 'entity'): string {
  const parts = relation.split('.');
  if (parts.length < 3) return fallback;
  const word = end === 'head' ? parts[parts.length - 2] : parts[parts.length - 1];
  return (word !== undefined && Object.hasOwn(FREEBASE_WORD_KINDS, word) ? FREEBASE_WORD_KINDS[word] : undefined) ?? fallback;
}
