CREATE TABLE t391 (id bigint PRIMARY KEY, name text NOT NULL);
