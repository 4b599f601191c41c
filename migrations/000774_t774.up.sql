CREATE TABLE t774 (id bigint PRIMARY KEY, name text NOT NULL);
