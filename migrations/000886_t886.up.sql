CREATE TABLE t886 (id bigint PRIMARY KEY, name text NOT NULL);
