CREATE TABLE t444 (id bigint PRIMARY KEY, name text NOT NULL);
