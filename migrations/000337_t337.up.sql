CREATE TABLE t337 (id bigint PRIMARY KEY, name text NOT NULL);
