CREATE TABLE t418 (id bigint PRIMARY KEY, name text NOT NULL);
