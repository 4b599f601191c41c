CREATE TABLE t143 (id bigint PRIMARY KEY, name text NOT NULL);
