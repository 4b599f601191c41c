CREATE TABLE t908 (id bigint PRIMARY KEY, name text NOT NULL);
