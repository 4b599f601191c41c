CREATE TABLE t490 (id bigint PRIMARY KEY, name text NOT NULL);
