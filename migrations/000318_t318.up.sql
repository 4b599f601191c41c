CREATE TABLE t318 (id bigint PRIMARY KEY, name text NOT NULL);
