CREATE TABLE t842 (id bigint PRIMARY KEY, name text NOT NULL);
