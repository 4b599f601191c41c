CREATE TABLE t492 (id bigint PRIMARY KEY, name text NOT NULL);
